from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "caretrust.assessments"
    label = "assessments"
    verbose_name = "Joint assessments"

    def ready(self) -> None:
        from caretrust.assessments import (
            access_rules,  # noqa: F401  (declares actions)
            fhir_handlers,
        )
        from caretrust.fhir import registry

        for handler in (fhir_handlers.QuestionnaireResponseHandler(),):
            registry.register(handler)
