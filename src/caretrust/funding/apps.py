from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "caretrust.funding"
    label = "funding"
    verbose_name = "Funding: who pays, financial assessments, pooled budgets"

    def ready(self) -> None:
        from caretrust.funding import access_rules  # noqa: F401
