from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "caretrust.subscriptions"
    label = "subscriptions"
    verbose_name = "FHIR Subscriptions"

    def ready(self) -> None:
        from caretrust.fhir import registry
        from caretrust.jobs import registry as jobs
        from caretrust.referrals import hooks
        from caretrust.subscriptions import (
            access_rules,  # noqa: F401  (declares actions)
            fhir_handlers,
            services,
        )

        registry.register(fhir_handlers.SubscriptionHandler())
        jobs.register(services.DELIVER_JOB, services.run_delivery_job)
        hooks.register_status_change(services.referral_status_changed)
