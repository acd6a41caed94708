from django.urls import path

from caretrust.access import views

app_name = "access"
urlpatterns = [
    path("break-glass/", views.break_glass_list, name="break_glass"),
    path("break-glass/<int:pk>/review/", views.break_glass_review, name="break_glass_review"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("audit/", views.audit_log, name="audit_log"),
]
