from django.apps import AppConfig


class OptoutConfig(AppConfig):
    name = "caretrust.optout"
    label = "optout"
    verbose_name = "National Data Opt-out: cleared cohorts"
