from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "caretrust.reviews"
    label = "reviews"
    verbose_name = "Reviews of care plans (Care Act s27)"

    def ready(self) -> None:
        from caretrust.reviews import access_rules  # noqa: F401  (declares actions)
