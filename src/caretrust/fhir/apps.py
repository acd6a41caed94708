from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "caretrust.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 API"

    def ready(self) -> None:
        from caretrust.fhir import (
            access_rules,  # noqa: F401  (declares actions)
            registry,
        )
        from caretrust.fhir.bulk_export import JOB_KIND, run_export
        from caretrust.fhir.groups import GroupHandler
        from caretrust.fhir.handlers import STORED_TYPES, PatientHandler, StoredResourceHandler
        from caretrust.fhir.practitioners import PractitionerHandler
        from caretrust.jobs import registry as jobs

        jobs.register(JOB_KIND, run_export)

        registry.register(PatientHandler())
        registry.register(GroupHandler())
        registry.register(PractitionerHandler())
        for resource_type in STORED_TYPES:
            registry.register_fallback(StoredResourceHandler(resource_type))
