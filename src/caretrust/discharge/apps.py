from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "caretrust.discharge"
    label = "discharge"
    verbose_name = "Hospital discharge (discharge to assess) and reablement"

    def ready(self) -> None:
        from caretrust.discharge import (  # noqa: F401  (declares actions, hooks, CLD events)
            access_rules,
            cld,
            intake,
        )
