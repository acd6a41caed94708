from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "caretrust.organisations"
    label = "organisations"
    verbose_name = "Organisations, teams and staff"
