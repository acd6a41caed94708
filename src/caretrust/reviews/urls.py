from django.urls import path

from caretrust.reviews import views

app_name = "reviews"
urlpatterns = [
    path("due/", views.due, name="due"),
    path("<uuid:uuid>/", views.detail, name="detail"),
    path("<uuid:uuid>/record/", views.record, name="record"),
    path("<uuid:uuid>/reschedule/", views.reschedule, name="reschedule"),
    path("<uuid:uuid>/request/", views.request_review, name="request"),
]
