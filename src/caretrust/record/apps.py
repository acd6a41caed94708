from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "caretrust.record"
    label = "record"
    verbose_name = "Shared care record"

    def ready(self) -> None:
        from caretrust.record import access_rules  # noqa: F401  (declares its actions)
