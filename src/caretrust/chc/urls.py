from django.urls import path

from caretrust.chc import views

app_name = "chc"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("person/<uuid:ref>/", views.person, name="person"),
    path("person/<uuid:ref>/checklist/", views.checklist, name="checklist"),
    path("person/<uuid:ref>/fast-track/", views.fast_track, name="fast_track"),
    path("person/<uuid:ref>/nursing-care/", views.fnc, name="fnc"),
    path("case/<uuid:uuid>/", views.case, name="case"),
    path("case/<uuid:uuid>/assessment/", views.dst, name="dst"),
    path("case/<uuid:uuid>/decision/", views.decide, name="decide"),
    path("case/<uuid:uuid>/review/", views.review, name="review"),
]
