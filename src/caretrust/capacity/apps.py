from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "caretrust.capacity"
    label = "capacity"
    verbose_name = "Capacity and consent"

    def ready(self) -> None:
        from caretrust.capacity import access_rules  # noqa: F401  (declares actions)
