"""Who may do what with referrals, and the relationships referrals create with a person:
- a co-ordinator has one with the referred person while a referral in their locality, made by
  someone else, is open (their own referral gives them nothing: the referrer sees the referral,
  not the record);
- the team a referral was routed to (and a named practitioner) sees the referral itself while it
  waits in their in-tray (what they need to accept or return it), and the record only once a
  member of the team has accepted it, while the episode lasts plus a grace period after it
  completes; the worker it is allocated to has one for the same time (ADR 70)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role
from caretrust.referrals import lifecycle
from caretrust.ui import navigation

# After a routed referral completes, the team keeps access for follow-up questions.
ROUTED_GRACE = timedelta(days=28)
PROFESSIONALS = {Role.COORDINATOR, Role.PRACTITIONER}


def _in_locality(user, referral) -> bool:
    from caretrust.referrals.selectors import user_localities

    return (
        referral.locality_id is not None
        and user_localities(user).filter(pk=referral.locality_id).exists()
    )


def _routed_to(user, referral) -> bool:
    from caretrust.referrals.selectors import user_team_ids

    return referral.routed_practitioner_id == user.id or (
        referral.routed_team_id is not None and referral.routed_team_id in user_team_ids(user)
    )


def view_referral_rule(user, referral) -> Decision:
    if referral.referrer_id == user.id:
        return Decision(True, "You made this referral.", "object_rule")
    if user.role == Role.COORDINATOR and _in_locality(user, referral):
        return Decision(True, "The referral is for your locality.", "object_rule")
    if _routed_to(user, referral):
        return Decision(True, "The referral was routed to you or your team.", "object_rule")
    return Decision(False, "This referral is not for your locality or your team.", "denied")


def coordinate_rule(user, referral) -> Decision:
    if _in_locality(user, referral):
        return Decision(True, "The referral is for your locality.", "object_rule")
    return Decision(False, "This referral is for another locality's co-ordinators.", "denied")


def accept_rule(user, referral) -> Decision:
    if not referral.waiting_for_team:
        return Decision(False, "This referral is not waiting for a team to accept it.", "denied")
    if referral.waiting_for_service:
        return Decision(False, "It was signposted to a service: answer it as one.", "denied")
    if _routed_to(user, referral):
        return Decision(True, "The referral is in your team's in-tray.", "object_rule")
    return Decision(False, "Only the team the referral was routed to can accept it.", "denied")


def answer_signpost_rule(user, referral) -> Decision:
    if not referral.waiting_for_service:
        return Decision(False, "This referral is not waiting for a service to accept it.", "denied")
    if _routed_to(user, referral):
        return Decision(True, "It was signposted to your organisation's service.", "object_rule")
    return Decision(False, "Only the organisation that runs the service can answer it.", "denied")


def allocate_rule(user, referral) -> Decision:
    if referral.accepted_at is None or referral.status in lifecycle.TERMINAL:
        return Decision(False, "Only an open, accepted referral can be allocated.", "denied")
    if _routed_to(user, referral) or referral.allocated_to_id == user.id:
        return Decision(True, "Your team accepted the referral.", "object_rule")
    return Decision(False, "Only the team that accepted the referral can allocate it.", "denied")


def transfer_caseload_rule(user, team) -> Decision:
    from caretrust.referrals.selectors import user_team_ids

    if team.pk in user_team_ids(user):
        return Decision(True, "You are in this team.", "object_rule")
    return Decision(False, "Only members of the team can move its caseload.", "denied")


def progress_rule(user, referral) -> Decision:
    if referral.accepted_at is not None and (
        _routed_to(user, referral) or referral.allocated_to_id == user.id
    ):
        return Decision(True, "The referral was routed to you or your team.", "object_rule")
    if user.role == Role.COORDINATOR and _in_locality(user, referral):
        return Decision(True, "The referral is for your locality.", "object_rule")
    return Decision(False, "Only the team the referral was routed to can update it.", "denied")


def referrer_rule(user, referral) -> Decision:
    if referral.referrer_id is not None and referral.referrer_id == user.id:
        return Decision(True, "You made this referral.", "object_rule")
    return Decision(False, "Only the referrer who sent this referral can change it.", "denied")


policy.register("referrals.submit", "refer a person to the single point of contact", PROFESSIONALS)
policy.register(
    "referrals.submit_self",
    "ask for help for yourself or someone you care for",
    {Role.PERSON, Role.CARER},
)
policy.register("referrals.view", "see a referral", PROFESSIONALS, object_rule=view_referral_rule)
policy.register(
    "referrals.withdraw",
    "withdraw a referral you made",
    PROFESSIONALS,
    object_rule=referrer_rule,
)
policy.register(
    "referrals.add_information",
    "add information to a referral you made",
    PROFESSIONALS,
    object_rule=referrer_rule,
)
policy.register("referrals.worklist", "work the co-ordinator's worklist", {Role.COORDINATOR})
policy.register(
    "referrals.coordinate",
    "claim, triage, route, signpost or close a referral",
    {Role.COORDINATOR},
    object_rule=coordinate_rule,
)
policy.register(
    "referrals.in_tray",
    "see your team's in-tray and caseload",
    {Role.PRACTITIONER},
)
policy.register(
    "referrals.accept",
    "accept a referral for your team and allocate it, or return it to the co-ordinators",
    {Role.PRACTITIONER},
    object_rule=accept_rule,
)
policy.register(
    "referrals.answer_signpost",
    "accept or decline a referral signposted to your organisation's service",
    {Role.PRACTITIONER},
    object_rule=answer_signpost_rule,
)
policy.register(
    "referrals.allocate",
    "allocate an accepted referral to a worker in your team",
    {Role.PRACTITIONER},
    object_rule=allocate_rule,
)
policy.register(
    "referrals.transfer_caseload",
    "move a worker's caseload to a colleague in your team",
    {Role.PRACTITIONER, Role.COORDINATOR},
    object_rule=transfer_caseload_rule,
)
policy.register(
    "referrals.progress",
    "record progress on a referral routed to your team",
    PROFESSIONALS,
    object_rule=progress_rule,
)


def coordinator_for_open_referral(user, person) -> str | None:
    from caretrust.referrals.models import Referral
    from caretrust.referrals.selectors import user_localities

    if user.role != Role.COORDINATOR:
        return None
    # A referral the co-ordinator made themselves opens nothing to them: a relationship comes
    # from someone else's act (a GP or a hospital asking for help), never from the user's own.
    if (
        Referral.objects.filter(person=person, locality__in=user_localities(user))
        .exclude(status__in=lifecycle.TERMINAL)
        .exclude(referrer=user)
        .exists()
    ):
        return "an open referral in your locality"
    return None


def routed_team_or_practitioner(user, person) -> str | None:
    """Only an accepted referral opens the record: routing alone puts the referral (not the
    person's record) in the team's in-tray."""
    from caretrust.referrals.models import Referral
    from caretrust.referrals.selectors import user_team_ids

    still_current = Q(completed_at__isnull=True) | Q(
        completed_at__gte=timezone.now() - ROUTED_GRACE
    )
    routed = (
        Q(routed_practitioner=user)
        | Q(routed_team_id__in=user_team_ids(user))
        | Q(allocated_to=user)
    )
    if (
        Referral.objects.filter(routed, still_current, person=person, accepted_at__isnull=False)
        .exclude(status__in={lifecycle.REJECTED, lifecycle.CANCELLED, lifecycle.FAILED})
        .exists()
    ):
        return "a referral your team accepted"
    return None


def coordinator_for_open_referral_filter(user) -> Q | None:
    from caretrust.referrals.models import Referral
    from caretrust.referrals.selectors import user_localities

    if user.role != Role.COORDINATOR:
        return None
    open_referrals = (
        Referral.objects.filter(locality__in=user_localities(user), person__isnull=False)
        .exclude(status__in=lifecycle.TERMINAL)
        .exclude(referrer=user)
    )
    return Q(pk__in=open_referrals.values("person_id"))


def routed_team_or_practitioner_filter(user) -> Q | None:
    from caretrust.referrals.models import Referral
    from caretrust.referrals.selectors import user_team_ids

    still_current = Q(completed_at__isnull=True) | Q(
        completed_at__gte=timezone.now() - ROUTED_GRACE
    )
    # The same rule as `routed_team_or_practitioner`: only an accepted referral opens the record.
    routed = (
        Q(routed_practitioner=user)
        | Q(routed_team_id__in=user_team_ids(user))
        | Q(allocated_to=user)
    )
    referrals = Referral.objects.filter(
        routed, still_current, person__isnull=False, accepted_at__isnull=False
    ).exclude(status__in={lifecycle.REJECTED, lifecycle.CANCELLED, lifecycle.FAILED})
    return Q(pk__in=referrals.values("person_id"))


relationships.register_provider(
    "referral_coordinator", coordinator_for_open_referral, coordinator_for_open_referral_filter
)
relationships.register_provider(
    "referral_routed", routed_team_or_practitioner, routed_team_or_practitioner_filter
)

navigation.register("Worklist", "referrals:worklist", "referrals.worklist", order=10)


def _in_tray_count(user) -> QuerySet:
    from caretrust.referrals.selectors import in_tray

    return in_tray(user)


def _caseload_count(user) -> QuerySet:
    from caretrust.referrals.selectors import caseload

    return caseload(user)


navigation.register(
    "In-tray", "referrals:in_tray", "referrals.in_tray", order=5, count=_in_tray_count
)
navigation.register(
    "Caseload", "referrals:caseload", "referrals.in_tray", order=6, count=_caseload_count
)
navigation.register("Refer a person", "referrals:new", "referrals.submit", order=20)
navigation.register("Your referrals", "referrals:index", "referrals.submit", order=25)


def _hub_referrals(user, person):
    """The person page's referrals section: open referrals, the team and the allocated worker."""
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection
    from caretrust.referrals.models import Referral
    from caretrust.referrals.presenters import status_plain

    links = []
    for referral in (
        Referral.objects.filter(person=person)
        .exclude(status__in=lifecycle.TERMINAL)
        .select_related("routed_team", "routed_practitioner", "allocated_to")
        .order_by("-created_at")[:10]
    ):
        hint = status_plain(referral)
        if referral.allocated_to_id:
            hint += f"; allocated to {referral.allocated_to.get_full_name()}"
        if referral.routed_team_id:
            hint += f" ({referral.routed_team.name})"
        allowed = policy.decide(user, "referrals.view", referral).allowed
        href = reverse("referrals:detail", args=[referral.reference]) if allowed else ""
        links.append(HubLink(f"Referral {referral.reference}", href, hint))
    return HubSection("Open referrals", links, "No open referrals.")


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("referrals", _hub_referrals, order=10)
