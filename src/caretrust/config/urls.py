from django.urls import include, path

urlpatterns = [
    path("", include("caretrust.web.urls")),
]
