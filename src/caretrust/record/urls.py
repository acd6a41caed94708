from django.urls import path

from caretrust.people import views as people_views
from caretrust.record import views

app_name = "record"
urlpatterns = [
    path("", views.search, name="search"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/", views.quarantined_resource, name="quarantined_resource"),
    path("links/", people_views.review_queue, name="link_queue"),
    path("links/<int:pk>/", people_views.review_candidate, name="link_candidate"),
    path("merges/<int:pk>/undo/", people_views.undo_merge, name="undo_merge"),
    path("<uuid:ref>/", views.person, name="person"),
    path("<uuid:ref>/about-me/", views.about_me, name="about_me"),
    path("<uuid:ref>/break-glass/", views.break_glass, name="break_glass"),
    path("<uuid:ref>/correct-details/", people_views.correct_details, name="correct_details"),
    path("<uuid:ref>/merges/", people_views.person_merges, name="person_merges"),
]
