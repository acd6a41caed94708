from django.urls import path

from caretrust.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "financial-assessment/",
        views.financial_assessment_letter,
        name="financial_assessment_letter",
    ),
]
