from django.urls import path

from caretrust.workspace import admin_views, views

app_name = "workspace"
urlpatterns = [
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/<uuid:ref>/", views.new_task, name="new_task"),
    path("tasks/<uuid:uuid>/", views.task, name="task"),
    path("tasks/<uuid:uuid>/<slug:action>/", views.task_action, name="task_action"),
    path("admin/", admin_views.staff_and_teams, name="admin"),
    path("admin/staff/new/", admin_views.new_staff, name="admin_new_staff"),
    path("admin/staff/<int:pk>/", admin_views.staff, name="admin_staff"),
    path(
        "admin/staff/<int:pk>/teams/<int:team_pk>/remove/",
        admin_views.remove_from_team,
        name="admin_remove_from_team",
    ),
    path("admin/staff/<int:pk>/close/", admin_views.close_account, name="admin_close_account"),
]
