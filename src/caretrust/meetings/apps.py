from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "caretrust.meetings"
    label = "meetings"
    verbose_name = "MDT meetings of the locality teams"

    def ready(self) -> None:
        from caretrust.meetings import access_rules  # noqa: F401  (declares actions, relationships)
