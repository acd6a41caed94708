from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "caretrust.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and case finding"

    def ready(self) -> None:
        from caretrust.outcomes import access_rules  # noqa: F401
