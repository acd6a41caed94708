from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "caretrust.portal"
    label = "portal"
    verbose_name = "Portal for people and their carers"

    def ready(self) -> None:
        from caretrust.portal import access_rules  # noqa: F401  (declares actions)
