from django.urls import path

from caretrust.careplans import views

app_name = "careplans"
urlpatterns = [
    path("visits/", views.team_visits, name="visits"),
    path("visits/<uuid:uuid>/<slug:outcome>/", views.record_visit, name="record_visit"),
    path("unassigned-services/", views.orphaned_services, name="orphaned_services"),
    path("<uuid:uuid>/services/<int:pk>/who-visits/", views.who_visits, name="who_visits"),
    path("start/<str:reference>/", views.start, name="start"),
    path("<uuid:uuid>/", views.detail, name="detail"),
    path("<uuid:uuid>/details/", views.edit_details, name="details"),
    path("<uuid:uuid>/services/", views.add_service, name="add_service"),
    path("<uuid:uuid>/care-team/", views.add_member, name="add_member"),
    path("<uuid:uuid>/agree/", views.agree, name="agree"),
    path("<uuid:uuid>/merge-visits/", views.merge, name="merge"),
    path("<uuid:uuid>/fhir/", views.plan_fhir, name="fhir"),
    path("<uuid:uuid>/care-team/fhir/", views.team_fhir, name="team_fhir"),
]
