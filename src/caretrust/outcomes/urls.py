from django.urls import path

from caretrust.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("case-finding/", views.case_finding, name="case_finding"),
    path("case-finding/<int:score_id>/refer/", views.refer, name="refer"),
]
