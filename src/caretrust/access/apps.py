from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "caretrust.access"
    label = "access"
    verbose_name = "Access control and audit"
