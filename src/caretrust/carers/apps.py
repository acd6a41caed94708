from django.apps import AppConfig


class CarersConfig(AppConfig):
    name = "caretrust.carers"
    label = "carers"
    verbose_name = "Carers"

    def ready(self) -> None:
        from caretrust.carers import access_rules  # noqa: F401  (declares actions)
        from caretrust.carers.selectors import register_cld_source

        register_cld_source()  # carers' events in the one CLD events selector
