from django.urls import path

from caretrust.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    path("", views.index, name="index"),
    path("raise/<uuid:ref>/", views.raise_concern, name="raise"),
    path("concerns/<uuid:uuid>/", views.concern, name="concern"),
    path("concerns/<uuid:uuid>/decide/", views.decide, name="decide"),
    path("concerns/<uuid:uuid>/outcomes/", views.outcomes, name="outcomes"),
    path("concerns/<uuid:uuid>/risk/", views.risk, name="risk"),
    path("concerns/<uuid:uuid>/plan/", views.plan, name="plan"),
    path("concerns/<uuid:uuid>/conclude/", views.conclude, name="conclude"),
    path("concerns/<uuid:uuid>/review/", views.review, name="review"),
    path("figures/", views.sac_figures, name="sac"),
    path("figures/<str:year>.csv", views.sac_csv, name="sac_csv"),
]
