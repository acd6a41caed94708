from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Council policy by default (ADR 73): these professions decide eligibility until the council
# records its own rules.
DEFAULT_DECIDER_PROFESSIONS = ("social_worker", "occupational_therapist")


def seed_default_deciders(sender, using="default", **kwargs) -> None:
    """After migrate (and after a test flush), an empty rule table gets the defaults. A table
    with any rule is the council's and is left alone."""
    from caretrust.assessments.models import EligibilityDecider

    rules = EligibilityDecider.objects.using(using)
    if not rules.exists():
        rules.bulk_create(
            EligibilityDecider(profession=profession, note="Default council policy (ADR 73).")
            for profession in DEFAULT_DECIDER_PROFESSIONS
        )


class AssessmentsConfig(AppConfig):
    name = "caretrust.assessments"
    label = "assessments"
    verbose_name = "Joint assessments"

    def ready(self) -> None:
        post_migrate.connect(seed_default_deciders, sender=self)
        from caretrust.assessments import (
            access_rules,  # noqa: F401  (declares actions)
            fhir_handlers,
        )
        from caretrust.fhir import registry

        for handler in (fhir_handlers.QuestionnaireResponseHandler(),):
            registry.register(handler)
