from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "caretrust.access"
    label = "access"
    verbose_name = "Access control and audit"

    def ready(self) -> None:
        from caretrust.ui import navigation

        navigation.register(
            "Break-glass reviews", "access:break_glass", "access.review_break_glass", order=70
        )
        navigation.register("Audit log", "access:audit_log", "access.view_audit", order=75)
