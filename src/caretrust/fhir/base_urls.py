"""`/fhir` without the slash: the base a transaction or batch Bundle is POSTed to (ADR 109).
A redirect to `/fhir/` would lose the POST's body."""

from django.urls import path

from caretrust.fhir import views

app_name = "fhir_base"
urlpatterns = [path("", views.base_endpoint, name="base")]
