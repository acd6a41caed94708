from django.urls import path, re_path

from caretrust.fhir import smart_views, views

app_name = "fhir"
TYPE = r"(?P<resource_type>[A-Z][A-Za-z]+)"
ID = r"(?P<id>[A-Za-z0-9\-.]{1,64})"
urlpatterns = [
    path("", views.base_endpoint, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path(
        ".well-known/smart-configuration",
        smart_views.smart_configuration,
        name="smart_configuration",
    ),
    path("auth/token", smart_views.token, name="token"),
    # Bulk Data $export (ADR 117): kick-off, status, files.
    re_path(r"^\$export$", views.export_system, name="export_system"),
    re_path(r"^Patient/\$export$", views.export_patients, name="export_patients"),
    re_path(rf"^Group/{ID}/\$export$", views.export_group, name="export_group"),
    path("bulk-status/<uuid:job>", views.export_status, name="export_status"),
    path(
        "bulk-file/<uuid:job>/<slug:name>.ndjson",
        views.export_file,
        name="export_file",
    ),
    # Type and system history (ADR 0121).
    re_path(r"^_history$", views.system_history_endpoint, name="system_history"),
    re_path(rf"^{TYPE}/_history$", views.type_history_endpoint, name="type_history"),
    re_path(rf"^{TYPE}$", views.type_endpoint, name="type"),
    re_path(rf"^{TYPE}/_search$", views.search_endpoint, name="search"),
    re_path(rf"^{TYPE}/{ID}$", views.instance_endpoint, name="instance"),
    re_path(rf"^{TYPE}/{ID}/_history$", views.history_endpoint, name="history"),
    re_path(
        rf"^{TYPE}/{ID}/_history/(?P<vid>[A-Za-z0-9\-.]{{1,64}})$",
        views.vread_endpoint,
        name="vread",
    ),
    re_path(rf"^Patient/{ID}/\$everything$", views.everything, name="everything"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
