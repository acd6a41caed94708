from django.urls import path

from caretrust.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.deliveries, name="deliveries"),
    path("<uuid:uuid>/retry/", views.retry, name="retry"),
    path("<uuid:uuid>/dismiss/", views.dismiss, name="dismiss"),
]
