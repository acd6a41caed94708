from django.urls import path

from caretrust.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("sign-in/security-code/", views.second_factor, name="second_factor"),
    path("sign-in/set-up-authenticator/", views.second_factor_setup, name="second_factor_setup"),
    path("about/", views.about, name="about"),
]
