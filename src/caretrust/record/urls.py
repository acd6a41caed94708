from django.urls import path

from caretrust.record import views

app_name = "record"
urlpatterns = [
    path("", views.search, name="search"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/", views.quarantined_resource, name="quarantined_resource"),
    path("<uuid:ref>/", views.person, name="person"),
    path("<uuid:ref>/about-me/", views.about_me, name="about_me"),
    path("<uuid:ref>/break-glass/", views.break_glass, name="break_glass"),
]
