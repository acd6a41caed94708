from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "caretrust.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding adults"

    def ready(self) -> None:
        # Declares the actions and fills the lower areas' registries: the person page's section
        # and alert, the "Raise a safeguarding concern" link on visits, tasks and referrals, and
        # the navigation (arrows point down, ADR 75).
        from caretrust.safeguarding import access_rules  # noqa: F401
