from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "caretrust.referrals"
    label = "referrals"
    verbose_name = "Referrals (one door)"

    def ready(self) -> None:
        from caretrust.fhir import registry
        from caretrust.referrals import (
            access_rules,  # noqa: F401  (declares actions and relationships)
            fhir_handlers,
        )

        for handler in (
            fhir_handlers.ServiceRequestHandler(),
            fhir_handlers.TaskHandler(),
        ):
            registry.register(handler)
