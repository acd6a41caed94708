from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "caretrust.reviews"
    label = "reviews"
    verbose_name = "Reviews of care plans (Care Act s27)"

    def ready(self) -> None:
        from caretrust.reviews import (  # noqa: F401  (declare actions; register CLD events)
            access_rules,
            cld,
        )
