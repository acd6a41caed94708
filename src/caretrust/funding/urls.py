from django.urls import path

from caretrust.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.pool_list, name="pool_list"),
    path("<int:pk>/", views.pool_detail, name="pool_detail"),
    path("<int:pk>/import/", views.pool_import, name="pool_import"),
    path("<int:pk>/forecast.csv", views.pool_export, name="pool_export"),
]
