from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "caretrust.budgets"
    label = "budgets"
    verbose_name = "Personal budgets, direct payments and deferred payment agreements"

    def ready(self) -> None:
        from caretrust.budgets import access_rules  # noqa: F401  (actions, navigation)
        from caretrust.budgets.selectors import plan_link
        from caretrust.careplans import plan_links

        plan_links.register(plan_link)
