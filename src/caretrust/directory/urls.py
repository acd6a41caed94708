from django.urls import path

from caretrust.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.api_info, name="api_info"),
    path("services", views.services, name="services"),
    path("services/<str:oruk_id>", views.service, name="service"),
    path("organizations", views.organizations, name="organizations"),
    path("organizations/<str:oruk_id>", views.organization, name="organization"),
    path("service_at_locations", views.service_at_locations, name="service_at_locations"),
    path(
        "service_at_locations/<str:oruk_id>",
        views.service_at_location,
        name="service_at_location",
    ),
    path("taxonomies", views.taxonomies, name="taxonomies"),
    path("taxonomies/<str:oruk_id>", views.taxonomy, name="taxonomy"),
    path("taxonomy_terms", views.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:oruk_id>", views.taxonomy_term, name="taxonomy_term"),
]
