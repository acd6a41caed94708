from django.urls import path

from caretrust.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new_referral, name="new"),
    path("ask-for-help/", views.self_referral, name="self"),
    path("worklist/", views.worklist, name="worklist"),
    path("in-tray/", views.in_tray, name="in_tray"),
    path("caseload/", views.caseload, name="caseload"),
    path("status/<str:reference>/<str:token>/", views.public_status, name="public_status"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/sent/", views.sent, name="sent"),
    path("<str:reference>/claim/", views.claim, name="claim"),
    path("<str:reference>/find-a-service/", views.find_service, name="find_service"),
    path("<str:reference>/<slug:action>/", views.act, name="act"),
]
