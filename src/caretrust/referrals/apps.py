from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "caretrust.referrals"
    label = "referrals"
    verbose_name = "Referrals (one door)"
