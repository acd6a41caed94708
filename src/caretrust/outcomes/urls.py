from django.urls import path

from caretrust.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("case-finding/", views.case_finding, name="case_finding"),
    path("case-finding/<int:score_id>/refer/", views.refer, name="refer"),
    path("plan-ahead/", views.plan_ahead, name="plan_ahead"),
    path("plan-ahead/new/", views.plan_new, name="plan_new"),
    path("plan-ahead/runs/<int:pk>/", views.plan_run, name="plan_run"),
    path("plan-ahead/compare/", views.plan_compare, name="plan_compare"),
]
