"""Reads of reviews: each team's reviews due and overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.shortcuts import get_object_or_404

from caretrust.access import audit
from caretrust.organisations.models import User
from caretrust.reviews.models import Review


@dataclass(frozen=True)
class DueReview:
    review: Review
    state: str  # "due" or "overdue"
    days_overdue: int


def team_reviews_due(user: User, today: date) -> list[DueReview]:
    """Scheduled reviews due (from their window's start) or overdue, for plans whose care team
    includes one of the user's teams or the user, or that the user co-ordinates. Overdue first.
    Records a read of each person listed (ADR 107; the care team is the relationship)."""
    from caretrust.referrals.selectors import user_team_ids

    teams = user_team_ids(user)
    reviews = (
        Review.objects.filter(status=Review.Status.SCHEDULED, due_from__lte=today)
        .filter(
            Q(plan__care_team__team_id__in=teams)
            | Q(plan__care_team__user=user)
            | Q(plan__coordinator=user)
        )
        .distinct()
        .select_related("person", "plan__coordinator")
        .order_by("due_by", "pk")
    )
    rows = [
        DueReview(r, r.window.state_on(today), max(0, (today - r.due_by).days)) for r in reviews
    ]
    audit.people_shown(actor=user, objects=[row.review for row in rows], object_type="reviews.due")
    return rows


def review_for(viewer: User, uuid) -> Review:
    """One review for its page: Http404 if there is none, PermissionDenied (the refusal noted)
    if `viewer` may not see it, else the review with the read recorded (ADR 107)."""
    review = get_object_or_404(
        Review.objects.select_related("person", "plan", "plan__coordinator"), uuid=uuid
    )
    audit.authorised_read(
        viewer, "reviews.view", review, person=review.person, purpose="reviews.detail", obj=review
    )
    return review
