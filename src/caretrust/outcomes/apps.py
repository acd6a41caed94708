from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "caretrust.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and case finding"

    def ready(self) -> None:
        from caretrust.jobs import registry
        from caretrust.outcomes import access_rules  # noqa: F401
        from caretrust.outcomes.planning import JOB_KIND, run_projection_job, run_url

        registry.register(JOB_KIND, run_projection_job, result_url=run_url)
