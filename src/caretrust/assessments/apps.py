from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "caretrust.assessments"
    label = "assessments"
    verbose_name = "Joint assessments"
