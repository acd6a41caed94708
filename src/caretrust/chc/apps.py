from django.apps import AppConfig


class ChcConfig(AppConfig):
    name = "caretrust.chc"
    label = "chc"
    verbose_name = "NHS Continuing Healthcare and funded nursing care"

    def ready(self) -> None:
        from caretrust.careplans import funding_authority
        from caretrust.chc import (  # noqa: F401  (declare actions; register CLD events)
            access_rules,
            cld,
        )
        from caretrust.chc.selectors import why_not_eligible
        from caretrust.ui import navigation

        # The real check replaces careplans' stub, which refuses every CHC line (ADR 73, 85).
        funding_authority.register("nhs_chc", why_not_eligible)
        navigation.register("Continuing Healthcare", "chc:worklist", "chc.worklist", order=46)
