from django.urls import path

from caretrust.assessments import views

app_name = "assessments"
urlpatterns = [
    path("start/<str:reference>/", views.start, name="start"),
    path("deciders/", views.deciders, name="deciders"),
    path("person/<uuid:ref>/start/", views.start_for_person, name="start_for_person"),
    path("<uuid:uuid>/", views.detail, name="detail"),
    path("<uuid:uuid>/record/", views.written_record, name="record"),
    path("<uuid:uuid>/end/", views.end, name="end"),
    path("<uuid:uuid>/findings/", views.save_findings, name="findings"),
    path("<uuid:uuid>/contributions/", views.add_contribution, name="contribute"),
    path("<uuid:uuid>/decision/", views.decide, name="decide"),
    path("<uuid:uuid>/fhir/", views.as_fhir, name="fhir"),
]
