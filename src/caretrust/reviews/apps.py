from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "caretrust.reviews"
    label = "reviews"
    verbose_name = "Reviews of care plans (Care Act s27)"

    def ready(self) -> None:
        from caretrust.careplans.services import register_on_agreed
        from caretrust.reviews import (  # noqa: F401  (declare actions; register CLD events)
            access_rules,
            cld,
        )
        from caretrust.reviews.services import schedule_first_review

        register_on_agreed(schedule_first_review)  # the first review when a plan is agreed
