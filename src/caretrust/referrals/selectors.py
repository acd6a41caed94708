"""Reads of referrals: the co-ordinator's worklist and who a referral is visible to."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from caretrust.access import audit
from caretrust.organisations.models import Locality, Team, User
from caretrust.organisations.selectors import user_teams
from caretrust.referrals.lifecycle import OPEN, TERMINAL
from caretrust.referrals.models import Referral


def referral_for(
    viewer: User,
    reference: str,
    *,
    action: str = "referrals.view",
    purpose: str = "referrals.detail",
) -> Referral:
    """One referral for its page: Http404 if there is none, PermissionDenied (the refusal noted)
    if `viewer` may not do `action` on it, else the referral with the read recorded (about its
    person, or about no one while the referral is not yet matched to a person). ADR 107."""
    referral = get_object_or_404(
        Referral.objects.select_related(
            "person",
            "claimed_by",
            "routed_team",
            "routed_practitioner",
            "locality",
            "accepted_by",
            "allocated_to",
        ),
        reference=reference,
    )
    audit.authorised_read(
        viewer,
        action,
        referral,
        person=referral.person if referral.person_id else None,
        purpose=purpose,
        obj=referral,
    )
    return referral


def user_localities(user: User) -> QuerySet[Locality]:
    """The localities of the teams a user belongs to (a co-ordinator's patch)."""
    return Locality.objects.filter(teams__memberships__user=user).distinct()


def user_locality_ids(user: User) -> list[int]:
    """The ids of the localities of the user's teams (as `user_localities`), from the teams read
    once per user object: no statement of its own (ADR 128)."""
    return sorted({team.locality_id for team in user_teams(user) if team.locality_id is not None})


def user_team_ids(user: User) -> set[int]:
    """The ids of the user's teams (read once per user object: `user_teams`)."""
    return {team.pk for team in user_teams(user)}


SORTS = {
    # Most urgent first, then the one whose response is due soonest. The urgency codes sort
    # routine < soon < urgent, so descending is most urgent first and an index can serve it
    # (a test pins this order).
    "urgency": ("-urgency", "due_by", "created_at"),
    # Longest waiting first.
    "waiting": ("created_at",),
    "due": ("due_by", "created_at"),
}

VIEWS = {
    "new": "New (not claimed)",
    "mine": "Claimed by me",
    "open": "All open",
    "breached": "Response standard breached",
    "waiting_team": "Waiting for a team to accept",
    "returned": "Returned by a team",
}


@dataclass(frozen=True)
class WorklistQuery:
    view: str = "new"
    sort: str = "urgency"
    urgency: str = ""
    source: str = ""


def _view_filter(view: str, user: User, *, open_only: bool = False) -> Q:
    """Which open referrals a worklist view holds (one definition for the lists and the counts).
    `open_only`: the rows filtered are open referrals already (the counts), so the view's own
    "not finished" condition is left out."""
    if view == "new":
        return Q(status=Referral.Status.REQUESTED, claimed_by__isnull=True)
    open_ = Q() if open_only else ~Q(status__in=TERMINAL)
    if view == "mine":
        return open_ & Q(claimed_by=user)
    if view == "breached":
        return open_ & Q(responded_at__isnull=True, due_by__lt=timezone.now())
    if view == "waiting_team":
        return open_ & Q(
            status=Referral.Status.RECEIVED, routed_at__isnull=False, accepted_at__isnull=True
        )
    if view == "returned":
        return open_ & Q(status=Referral.Status.RECEIVED, returned_at__isnull=False)
    return open_


def worklist_counts(user: User, views: list[str]) -> dict[str, int]:
    """How many referrals each worklist view holds, in one query (My work shows five counts; five
    COUNTs over the locality's referrals cost five index walks and five query compilations)."""
    localities = user_locality_ids(user)
    # Every view holds open referrals only: counting over the open ones reads a third of a
    # locality's referrals through the worklist index (13 ms at a million people, against 67 ms
    # for a parallel scan of all of them: bench_my_work.py).
    # Within them a view's own "not finished" condition is always true and is left out: each
    # row is tested against five filters, and that test was half the statement's time (46 ms ->
    # 23 ms for a locality's 16,666 open referrals, ADR 128).
    open_referrals = Referral.objects.filter(locality_id__in=localities, status__in=OPEN)
    return open_referrals.aggregate(
        **{
            view: Count("id", filter=_view_filter(view, user, open_only=True) or None)
            for view in views
        }
    )


def worklist(user: User, query: WorklistQuery) -> QuerySet[Referral]:
    """Open referrals for the user's localities, filtered and sorted as asked."""
    # The locality ids are resolved first: a literal `locality_id IN (...)` lets PostgreSQL walk
    # the (locality, status, urgency, due_by) index and stop at the page size, where a subquery
    # made it sort every open referral.
    localities = user_locality_ids(user)
    referrals = Referral.objects.filter(locality_id__in=localities).select_related(
        "person", "claimed_by", "locality", "referrer_organisation"
    )
    referrals = referrals.filter(_view_filter(query.view, user))
    if query.urgency in Referral.Urgency.values:
        referrals = referrals.filter(urgency=query.urgency)
    if query.source in Referral.Source.values:
        referrals = referrals.filter(source=query.source)
    # Audits itself (ADR 89): each page fetched records a read of each person on it.
    return audit.audited(
        referrals.order_by(*SORTS.get(query.sort, SORTS["urgency"])),
        actor=user,
        object_type="referrals.worklist",
    )


def referrals_made_by(user: User) -> QuerySet[Referral]:
    return audit.audited(
        Referral.objects.filter(referrer=user).select_related("person").order_by("-created_at"),
        actor=user,
        object_type="referrals.index",
    )


def in_tray(user: User) -> QuerySet[Referral]:
    """The team in-tray: referrals routed to the user's teams (or to them by name) that nobody has
    accepted yet, most urgent and soonest due first."""

    # The team ids as a list, not a subquery: with a literal `IN (...)` PostgreSQL reads the
    # referral_in_tray index; with a subquery it filtered every received referral (and went
    # parallel to do so). bench_my_work.py measures it.
    teams = sorted(user_team_ids(user))
    return audit.audited(
        Referral.objects.filter(
            Q(routed_team_id__in=teams) | Q(routed_practitioner=user),
            status=Referral.Status.RECEIVED,
            routed_at__isnull=False,
            accepted_at__isnull=True,
        )
        # Only what the rows show (who claimed it and its locality are not: 100 model instances
        # fewer on a page of 50, ADR 128).
        .select_related("person", "routed_team", "routed_practitioner")
        .order_by("-urgency", "due_by", "created_at"),
        actor=user,
        object_type="referrals.in_tray",
    )


class _LazyModel:
    """careplans builds on referrals: its model is looked up by name, not imported (no cycle)."""

    def __init__(self, label: str) -> None:
        self.label = label

    @property
    def objects(self):
        return apps.get_model(self.label).objects


CarePlanRef = _LazyModel("careplans.CarePlan")


def _still_on_caseload() -> Q:
    """Open, or completed by a care plan that is still current: the allocated worker keeps the
    person on their caseload while the plan runs (agreeing the plan completes the referral)."""
    from caretrust.referrals.lifecycle import COMPLETED

    current_plan = Exists(
        CarePlanRef.objects.filter(referral=OuterRef("pk"), status__in=["draft", "active"])
    )
    return ~Q(status__in=TERMINAL) | (Q(status=COMPLETED) & Q(current_plan))


def allocated_to(worker: User) -> QuerySet[Referral]:
    """The referrals on `worker`'s caseload, for services that act on them (they audit their own
    writes); pages use `caseload`, which audits the read."""
    return (
        Referral.objects.filter(_still_on_caseload(), allocated_to=worker)
        .select_related("person", "routed_team", "allocated_to")
        .order_by("allocated_at", "id")
    )


def caseload(user: User) -> QuerySet[Referral]:
    """The user's caseload: referrals allocated to them by name, open or with a current plan.
    Audits itself (ADR 89)."""
    return audit.audited(allocated_to(user), actor=user, object_type="referrals.caseload")


def team_caseload(team: Team, *, viewer: User) -> QuerySet[Referral]:
    """One team's accepted referrals (open, or with a current plan) and who each is allocated to,
    as `viewer` sees them (audits itself, ADR 89)."""
    return audit.audited(
        Referral.objects.filter(_still_on_caseload(), routed_team=team, accepted_at__isnull=False)
        .select_related("person", "allocated_to")
        .order_by("allocated_to__first_name", "allocated_at", "id"),
        actor=viewer,
        object_type="referrals.caseload",
    )


def referrals_for_my_teams(user: User) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(routed_team__memberships__user=user)
        .union(Referral.objects.filter(routed_practitioner=user))
        .order_by("-created_at")
    )


def visible_to(user: User):
    """The referrals `user` may see, as a query filter (the rule of `referrals.view`): those they
    made, those of their locality for a co-ordinator, those routed to them or their team."""
    from django.db.models import Q

    visible = (
        Q(referrer=user) | Q(routed_practitioner=user) | Q(routed_team_id__in=user_team_ids(user))
    )
    if user.role == User.Role.COORDINATOR:
        visible |= Q(locality_id__in=list(user_localities(user).values_list("id", flat=True)))
    return visible
