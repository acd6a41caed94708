from django.urls import path

from caretrust.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("about/", views.about, name="about"),
]
