from django.urls import path

from caretrust.entitlements import views

app_name = "entitlements"
urlpatterns = [
    path("person/<uuid:ref>/", views.person, name="person"),
]
