from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "caretrust.careplans"
    label = "careplans"
    verbose_name = "Care plans and visits"

    def ready(self) -> None:
        from caretrust.careplans import (
            access_rules,  # noqa: F401  (declares actions and relationships)
            fhir_handlers,
            funding_facts,  # noqa: F401  (the finance relationship and pool commitments)
        )
        from caretrust.fhir import registry

        for handler in (
            fhir_handlers.CarePlanHandler(),
            fhir_handlers.CareTeamHandler(),
        ):
            registry.register(handler)
