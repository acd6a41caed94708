from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "caretrust.notifications"
    label = "notifications"
    verbose_name = "Notifications: in-app and by email"

    def ready(self) -> None:
        from caretrust.notifications import access_rules  # noqa: F401  (declares actions, navigation)
