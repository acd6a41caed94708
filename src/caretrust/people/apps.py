from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "caretrust.people"
    label = "people"
    verbose_name = "People index"

    def ready(self) -> None:
        from caretrust.people import access_rules  # noqa: F401  (declares actions and relationships)
