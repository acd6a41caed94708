"""The people index's own pages, under /people/ beside the record's (config/urls.py mounts both)."""

from django.urls import path

from caretrust.people import views

app_name = "people"
urlpatterns = [
    path("links/", views.review_queue, name="link_queue"),
    path("links/<int:pk>/", views.review_candidate, name="link_candidate"),
    path("merges/<int:pk>/undo/", views.undo_merge, name="undo_merge"),
    path("<uuid:ref>/merges/", views.person_merges, name="person_merges"),
    path("<uuid:ref>/correct-details/", views.correct_details, name="correct_details"),
]
