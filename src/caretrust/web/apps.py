from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "caretrust.web"
    label = "web"
    verbose_name = "Web shell"

    def ready(self) -> None:
        from caretrust.web import signals  # noqa: F401  (connects the audit receivers)
