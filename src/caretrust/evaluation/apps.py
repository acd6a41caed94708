from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "caretrust.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation of integration"

    def ready(self) -> None:
        from caretrust.evaluation import access_rules  # noqa: F401
        from caretrust.evaluation.running import JOB_KIND, evaluation_url, run_evaluation_job
        from caretrust.jobs import registry

        registry.register(JOB_KIND, run_evaluation_job, result_url=evaluation_url)
