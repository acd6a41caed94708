from django.urls import path

from caretrust.carers import views

app_name = "carers"
urlpatterns = [
    path("for/<uuid:ref>/new/", views.new, name="new"),
    path("<uuid:uuid>/", views.detail, name="detail"),
    path("<uuid:uuid>/start-assessment/", views.start, name="start"),
    path("assessments/<uuid:uuid>/", views.assessment, name="assessment"),
    path("assessments/<uuid:uuid>/decide/", views.decide, name="decide"),
    path("assessments/<uuid:uuid>/plan/", views.plan, name="plan"),
    path("assessments/<uuid:uuid>/agree/", views.agree, name="agree"),
]
