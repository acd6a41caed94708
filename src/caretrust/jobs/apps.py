from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "caretrust.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from caretrust.jobs import access_rules  # noqa: F401
