from django.urls import path

from caretrust.feedback import views

app_name = "feedback"
urlpatterns = [
    path("your-say/", views.experience, name="experience"),
    path("pulse/", views.pulse, name="pulse"),
    path("scorecard/", views.scorecard, name="scorecard"),
]
