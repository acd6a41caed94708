from django.urls import path

from caretrust.funding import views

app_name = "funding"
urlpatterns = [
    path("work/", views.worklist, name="worklist"),
    path("people/<uuid:ref>/who-pays/", views.who_pays, name="who_pays"),
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/import/", views.pool_import, name="pool_import"),
    path("pools/<int:pk>/forecast.csv", views.pool_export, name="pool_export"),
    path(
        "people/<uuid:ref>/financial-assessment/",
        views.financial_assessment,
        name="financial_assessment",
    ),
    path(
        "financial-assessments/<int:pk>/letter/",
        views.financial_assessment_letter,
        name="financial_assessment_letter",
    ),
    path(
        "financial-assessments/<int:pk>/",
        views.financial_assessment_result,
        name="financial_assessment_result",
    ),
]
