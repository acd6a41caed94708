from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "caretrust.feedback"
    label = "feedback"
    verbose_name = "Surveys and scorecard"

    def ready(self) -> None:
        from caretrust.feedback import access_rules  # noqa: F401
