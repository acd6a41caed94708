from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "caretrust.messaging"
    label = "messaging"
    verbose_name = "Secure messages between professionals about a person"

    def ready(self) -> None:
        from caretrust.messaging import access_rules  # noqa: F401  (declares actions, navigation)
