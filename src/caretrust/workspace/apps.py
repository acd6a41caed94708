from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "caretrust.workspace"
    label = "workspace"
    verbose_name = "My work: tasks between professionals"

    def ready(self) -> None:
        from caretrust.referrals import hooks
        from caretrust.workspace import access_rules  # noqa: F401  (declares actions, navigation)
        from caretrust.workspace.fhir_handlers import TodoTaskHandler

        # The to-do tasks are served as FHIR Task beside the referrals' (ADR 116).
        hooks.register_task_source(TodoTaskHandler())
