from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "caretrust.entitlements"
    label = "entitlements"
    verbose_name = "Entitlements behind free care (s117 aftercare, reablement)"

    def ready(self) -> None:
        from caretrust.entitlements import access_rules  # noqa: F401  (declares actions)
