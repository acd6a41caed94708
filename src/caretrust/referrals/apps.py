from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "caretrust.referrals"
    label = "referrals"
    verbose_name = "Referrals (one door)"

    def ready(self) -> None:
        from caretrust.referrals import access_rules  # noqa: F401  (declares actions and relationships)
