from django.urls import path

from caretrust.workspace import views

app_name = "workspace"
urlpatterns = [
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/<uuid:ref>/", views.new_task, name="new_task"),
    path("tasks/<uuid:uuid>/", views.task, name="task"),
    path("tasks/<uuid:uuid>/<slug:action>/", views.task_action, name="task_action"),
]
