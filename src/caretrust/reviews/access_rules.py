"""Who may see and record reviews: practitioners and co-ordinators with a legitimate relationship
(the care team), and each team's list of reviews due."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role


def _person_rule(user, obj):
    return relationships.person_record_rule(user, getattr(obj, "person", obj))


CARE = {Role.COORDINATOR, Role.PRACTITIONER}
policy.register("reviews.view", "see a care plan review", CARE, _person_rule, read_only=True)
policy.register("reviews.record", "record or reschedule a care plan review", CARE, _person_rule)
policy.register("reviews.team_list", "see your teams' reviews due and overdue", CARE)


def _hub(user, person):
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection
    from caretrust.reviews.models import Review

    if not policy.decide(
        user, "reviews.view"
    ):  # role only: the review page applies the person rule
        return None
    links = [
        HubLink(
            f"Review {r.get_status_display().lower()}: "
            + (f"done {r.done_on:%d %b %Y}" if r.done_on else f"due by {r.due_by:%d %b %Y}"),
            reverse("reviews:detail", args=[r.uuid]),
            r.get_reason_display(),
        )
        for r in Review.objects.filter(person=person).order_by("-due_by")[:5]
    ]
    return HubSection("Reviews", links, "No reviews: one is scheduled when a plan is agreed.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("reviews", _hub, order=32)
