from django.urls import path

from caretrust.capacity import views

app_name = "capacity"
urlpatterns = [
    path("for/<uuid:ref>/assessment/", views.new, name="new"),
    path("for/<uuid:ref>/best-interests/", views.new_best_interests, name="new_best_interests"),
    path("for/<uuid:ref>/authority/", views.new_authority, name="new_authority"),
    path("assessments/<uuid:uuid>/", views.assessment, name="assessment"),
    path("best-interests/<uuid:uuid>/", views.best_interests, name="best_interests"),
    path("authorities/<uuid:uuid>/", views.authority, name="authority"),
]
