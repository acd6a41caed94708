from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "caretrust.careplans"
    label = "careplans"
    verbose_name = "Shared care plans"
