from django.urls import path

from caretrust.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.api_info, name="api_info"),
    path("services", views.services, name="services"),
    path("services/<str:oruk_id>", views.service, name="service"),
]
