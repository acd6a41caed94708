from django.urls import path

from caretrust.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/<uuid:ref>/", views.new_message, name="new"),
    path("<uuid:uuid>/", views.message, name="message"),
    path("<uuid:uuid>/reply/", views.reply, name="reply"),
]
