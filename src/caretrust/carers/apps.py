from django.apps import AppConfig


class CarersConfig(AppConfig):
    name = "caretrust.carers"
    label = "carers"
    verbose_name = "Carers"

    def ready(self) -> None:
        from caretrust.carers import access_rules  # noqa: F401  (declares actions)
