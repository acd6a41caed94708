from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "caretrust.workspace"
    label = "workspace"
    verbose_name = "My work: tasks between professionals"

    def ready(self) -> None:
        from caretrust.workspace import access_rules  # noqa: F401  (declares actions, navigation)
