from django.urls import path

from caretrust.discharge import views

app_name = "discharge"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("indicators/", views.indicators, name="indicators"),
    path("<uuid:ref>/", views.detail, name="detail"),
]
