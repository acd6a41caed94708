from django.urls import path

from caretrust.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("schedule/", views.schedule, name="schedule"),
    path("add/<uuid:ref>/", views.add_person, name="add_person"),
    path("<uuid:uuid>/", views.meeting, name="meeting"),
    path("<uuid:uuid>/agenda/<int:pk>/", views.item, name="item"),
    path("<uuid:uuid>/agenda/<int:pk>/action/", views.add_action, name="add_action"),
]
