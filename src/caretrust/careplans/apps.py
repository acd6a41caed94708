from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "caretrust.careplans"
    label = "careplans"
    verbose_name = "Care plans and visits"

    def ready(self) -> None:
        from caretrust.careplans import (
            access_rules,  # noqa: F401  (declares actions and relationships)
            cld,  # noqa: F401  (services as CLD events)
            fhir_handlers,
            funding_facts,  # noqa: F401  (the finance relationship and pool commitments)
        )
        from caretrust.careplans.fhir import referral_export_prefetch, referral_task_output
        from caretrust.careplans.selectors import next_planned_visits
        from caretrust.fhir import registry
        from caretrust.referrals import hooks as referral_hooks
        from caretrust.referrals.presenters import register_next_planned_visits

        referral_hooks.register_task_output(referral_task_output)
        referral_hooks.register_export_prefetch(referral_export_prefetch)

        register_next_planned_visits(
            lambda person_ids, start, days: next_planned_visits(person_ids, start, days=days)
        )

        for handler in (
            fhir_handlers.CarePlanHandler(),
            fhir_handlers.CareTeamHandler(),
        ):
            registry.register(handler)
