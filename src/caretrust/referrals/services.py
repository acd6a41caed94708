"""Every write to a referral. Each is authorised first, changes the row with a conditional UPDATE
(so two co-ordinators can never both claim a referral and no update is lost), and writes its
`ReferralEvent` (what the referrer sees) and its audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from caretrust import guard
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Locality, Organisation, Team, User
from caretrust.people.intake import PersonDetails
from caretrust.people.models import Person
from caretrust.referrals import hooks, lifecycle
from caretrust.referrals.models import Referral, ReferralEvent, new_reference, response_standard

MINIMUM_REASON_LENGTH = 10


class AlreadyClaimed(ValidationError):
    """Another co-ordinator claimed the referral first."""

    def __init__(self, referral: Referral) -> None:
        who = referral.claimed_by.get_full_name() or referral.claimed_by.username
        when = timezone.localtime(referral.claimed_at).strftime("%H:%M on %d %B %Y")
        super().__init__(f"{who} claimed this referral at {when}.")
        self.referral = referral


class ReferralChanged(ValidationError):
    """Someone else changed the referral since it was read: nothing was written."""

    def __init__(self, referral: Referral) -> None:
        super().__init__(
            "Someone else changed this referral while you were working on it. "
            f"It is now {referral.get_status_display().lower()}: check it and try again."
        )
        self.referral = referral


def _locality_for(person: Person | None, fallback: Locality | None) -> Locality | None:
    if person is not None and person.gp_practice_id and person.gp_practice.locality_id:
        return person.gp_practice.locality
    return fallback


def _event(
    referral: Referral,
    actor: Any,
    from_status: str,
    reason: str = "",
    label: str = "",
    information: str = "",
):
    if from_status != referral.status:
        hooks.status_changed(referral=referral, from_status=from_status, to_status=referral.status)
    return ReferralEvent.objects.create(
        referral=referral,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=label or (actor.get_full_name() if actor else ""),
        from_status=from_status,
        to_status=referral.status,
        business_status=referral.business_status,
        reason=reason,
        information=information,
    )


def _audit(actor: Any, referral: Referral, action: str, label: str = "", **details) -> None:
    audit.record(
        actor=actor,
        actor_label=label,
        action=action,
        obj=referral,
        person_ref=referral.person.audit_ref if referral.person_id else "",
        reason=details.pop("reason", ""),
        details={"reference": referral.reference, **details},
    )


def _timeline(referral: Referral, kind: str, summary: str) -> None:
    """The step on the person's timeline, beside their health and social care events."""
    if referral.person_id is None:
        return
    from caretrust.record.services import note_care_event

    note_care_event(person=referral.person, kind=kind, summary=f"{referral.reference}: {summary}")


def _check_reason(reason: str, ask: str = "Describe why you are referring") -> str:
    """The reason, stripped; ValidationError on `reason` ("<ask>, in at least 10 characters.")
    when it is shorter."""
    reason = (reason or "").strip()
    if len(reason) < MINIMUM_REASON_LENGTH:
        raise ValidationError({"reason": f"{ask}, in at least {MINIMUM_REASON_LENGTH} characters."})
    return reason


@transaction.atomic
@guard.service_writes(Referral)
def submit_professional_referral(
    *,
    actor: User,
    person: Person,
    source: str,
    reason: str,
    requested_urgency: str = Referral.Urgency.ROUTINE,
    what_matters: str = "",
    lives_alone: bool | None = None,
    risks: str = "",
    consent: bool = False,
    referrer_contact: str = "",
    locality: Locality | None = None,
    best_interests: bool = False,
    consent_given=None,
    extra: dict[str, Any] | None = None,
    sent_service_request: dict[str, Any] | None = None,
) -> Referral:
    """A GP, hospital discharge team, ambulance crew, community team or contact centre refers.

    The person agrees (`consent`, confirmed by the referrer; or `consent_given`: who agreed, how
    and when), or the referral is made in their best interests (`best_interests`, or a
    `consent_given` with that basis), which needs a recorded capacity assessment finding they
    cannot decide about being referred (`capacity` app, ADR 74). `extra` goes to the intake
    hooks of the areas above (`referrals.hooks`), e.g. a discharge-ready date and pathway.
    `sent_service_request`: the FHIR ServiceRequest the referrer sent over the API, kept as sent
    with its identifiers indexed (ADR 116)."""
    from caretrust import clock
    from caretrust.capacity import services as capacity

    policy.require(actor, "referrals.submit")
    if source not in Referral.PROFESSIONAL_SOURCES:
        raise ValidationError({"source": "Choose who is making the referral."})
    if consent_given is None and (consent or best_interests):
        consent_given = capacity.ConsentGiven(
            basis="best_interests" if best_interests else "agreed",
            given_by="" if best_interests else "The person (confirmed by the referrer)",
            method="attested",
            given_on=clock.today(),
        )
    if consent_given is None:
        raise ValidationError(
            {
                "consent": "Confirm the person agrees to the referral, or that it is in their best interests."
            }
        )
    capacity_assessment = (
        capacity.capacity_behind_best_interests_referral(person)
        if consent_given.basis == "best_interests"
        else None
    )
    area = _locality_for(person, locality)
    if area is None:
        raise ValidationError({"locality": "Choose the area the person lives in."})
    urgency = requested_urgency if requested_urgency in Referral.Urgency.values else "routine"
    reference, index = new_reference(), ""
    if sent_service_request is not None:
        from caretrust.referrals.fhir import REFERENCE_SYSTEM, identifier_index

        sent = [*sent_service_request.get("identifier", [])]
        index = identifier_index([*sent, {"system": REFERENCE_SYSTEM, "value": reference}])
    referral = Referral.objects.create(
        source=source,
        person=person,
        locality=area,
        referrer=actor,
        referrer_organisation=actor.organisation,
        referrer_name=actor.get_full_name(),
        referrer_contact=referrer_contact.strip(),
        reason=_check_reason(reason),
        what_matters=what_matters.strip(),
        lives_alone=lives_alone,
        risks=risks.strip(),
        consent=True,
        requested_urgency=urgency,
        urgency=urgency,
        business_status="Waiting for a co-ordinator",
        reference=reference,
        sent_service_request=sent_service_request,
        identifier_index=index,
    )
    _event(referral, actor, "")
    _audit(actor, referral, AuditEvent.Action.CREATE, source=source)
    capacity.record_referral_consent(
        actor=actor,
        referral=referral,
        consent=consent_given,
        capacity_assessment=capacity_assessment,
    )
    hooks.run_intake(actor=actor, referral=referral, extra=extra or {})
    _timeline(
        referral,
        "Referral received",
        f"referred by {referral.referrer_name or 'a professional'} ({referral.get_source_display()})",
    )
    return referral


@transaction.atomic
@guard.service_writes(Referral)
def submit_self_referral(
    *,
    actor: User | None,
    source: str,
    subject: PersonDetails,
    referrer_name: str,
    referrer_contact: str,
    referrer_relationship: str = "",
    reason: str,
    what_matters: str = "",
    lives_alone: bool | None = None,
    consent: bool,
    locality: Locality | None,
) -> Referral:
    """The person or their family asks for help. Public (no account) or signed in as person/carer.

    The public form is the one write allowed without a signed-in user: it only creates a referral
    in `requested`, never touches the people index, and is audited as the public channel.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        policy.require(actor, "referrals.submit_self")
    else:
        actor = None
    if source not in (Referral.Source.SELF, Referral.Source.FAMILY):
        raise ValidationError(
            {"source": "Say whether you are asking for yourself or someone else."}
        )
    if not consent:
        raise ValidationError({"consent": "Confirm the person knows you are asking for help."})
    if not referrer_contact.strip():
        raise ValidationError(
            {"referrer_contact": "Enter a phone number or email so we can reply."}
        )
    if locality is None:
        area = subject.gp_practice.locality if subject.gp_practice else None
        if area is None:
            raise ValidationError({"locality": "Choose the area the person lives in."})
        locality = area
    referral = Referral.objects.create(
        source=source,
        subject_details=subject.as_dict(),
        locality=locality,
        referrer=actor,
        referrer_name=referrer_name.strip(),
        referrer_contact=referrer_contact.strip(),
        referrer_relationship=referrer_relationship.strip(),
        reason=_check_reason(reason),
        what_matters=what_matters.strip(),
        lives_alone=lives_alone,
        consent=True,
        business_status="Waiting for a co-ordinator",
    )
    label = "" if actor else "public self-referral form"
    _event(referral, actor, "", label=label or "")
    _audit(actor, referral, AuditEvent.Action.CREATE, label=label, source=source)
    return referral


@guard.service_writes(Referral)
def _apply(
    referral: Referral,
    *,
    actor: User,
    to_status: str | None = None,
    reason: str = "",
    audit_action: str = AuditEvent.Action.UPDATE,
    information: str = "",
    **fields: Any,
) -> Referral:
    """Change the referral only if nobody changed it since it was read (id, version and status)."""
    from_status = referral.status
    if to_status is not None:
        reason = lifecycle.check_transition(from_status, to_status, reason)
        fields["status"] = to_status
        fields["status_reason"] = reason
        if to_status in lifecycle.TERMINAL:
            fields["completed_at"] = timezone.now()
    fields["updated_at"] = timezone.now()
    updated = Referral.objects.filter(
        pk=referral.pk, version=referral.version, status=from_status
    ).update(version=F("version") + 1, **fields)
    if updated != 1:
        referral.refresh_from_db()
        raise ReferralChanged(referral)
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.version += 1
    _event(referral, actor, from_status, reason, information=information)
    _audit(
        actor,
        referral,
        audit_action,
        reason=reason,
        from_status=from_status,
        to_status=referral.status,
        business_status=referral.business_status,
    )
    return referral


@transaction.atomic
@guard.service_writes(Referral)
def claim(*, actor: User, referral: Referral) -> Referral:
    """Take ownership (Task received). A conditional UPDATE: of two co-ordinators claiming at the
    same moment exactly one changes the row; the other is told who has it."""
    policy.require(actor, "referrals.coordinate", referral)
    now = timezone.now()
    updated = Referral.objects.filter(
        pk=referral.pk, status=lifecycle.REQUESTED, claimed_by__isnull=True
    ).update(
        claimed_by=actor,
        claimed_at=now,
        status=lifecycle.RECEIVED,
        business_status=f"Being looked at by {actor.get_full_name()}",
        updated_at=now,
        version=F("version") + 1,
    )
    if updated != 1:
        referral.refresh_from_db()
        if referral.claimed_by_id is not None:
            raise AlreadyClaimed(referral)
        raise ReferralChanged(referral)
    referral.refresh_from_db()
    _event(referral, actor, lifecycle.REQUESTED)
    _audit(actor, referral, AuditEvent.Action.UPDATE, from_status="requested", to_status="received")
    return referral


def _require_owner(actor: User, referral: Referral) -> None:
    policy.require(actor, "referrals.coordinate", referral)
    if referral.claimed_by_id != actor.id:
        if referral.claimed_by_id is None:
            raise ValidationError("Claim this referral before you triage it.")
        raise AlreadyClaimed(referral)


@transaction.atomic
def confirm_person(*, actor: User, referral: Referral, person: Person) -> Referral:
    """Say who a self or family referral is about (after the people-index duplicate check)."""
    _require_owner(actor, referral)
    if referral.person_id and referral.person_id != person.pk:
        raise ValidationError("This referral is already linked to someone else.")
    return _apply(
        referral,
        actor=actor,
        person=person,
        business_status=f"Identity confirmed by {actor.get_full_name()}",
    )


@transaction.atomic
def triage(*, actor: User, referral: Referral, urgency: str) -> Referral:
    """Set the urgency; the response standard for it runs from when the referral arrived."""
    _require_owner(actor, referral)
    if urgency not in Referral.Urgency.values:
        raise ValidationError({"urgency": "Choose how urgent this is."})
    if referral.status not in (lifecycle.RECEIVED, lifecycle.ON_HOLD):
        raise ValidationError("Only a referral being looked at can be triaged.")
    label = Referral.Urgency(urgency).label.lower()
    return _apply(
        referral,
        actor=actor,
        urgency=urgency,
        due_by=referral.created_at + response_standard(urgency),
        business_status=f"Triaged as {label}",
    )


def _require_person(referral: Referral) -> None:
    if referral.person_id is None:
        raise ValidationError("Confirm who this referral is about before you route it.")


@transaction.atomic
def route(
    *,
    actor: User,
    referral: Referral,
    team: Team | None = None,
    practitioner: User | None = None,
) -> Referral:
    """Put the referral in a locality team's (or a named practitioner's) in-tray.

    The Task stays `received` with businessStatus "Waiting for <team>" and the response-standard
    clock keeps running: the team answers by accepting it (`accept`, Task accepted) or returning it
    (`return_to_coordinators`). Routing gives the team the referral, not the record (ADR 70)."""
    _require_owner(actor, referral)
    _require_person(referral)
    if referral.status not in (lifecycle.RECEIVED, lifecycle.ON_HOLD):
        raise ValidationError("Only a referral a co-ordinator is looking at can be routed.")
    if (team is None) == (practitioner is None):
        raise ValidationError({"route_to": "Choose a locality team or a named practitioner."})
    if team is not None:
        if team.kind != Team.Kind.LOCALITY_MDT:
            raise ValidationError({"route_to": "Route to a locality multidisciplinary team."})
        outcome, to_whom = Referral.Outcome.ROUTED_TEAM, team.name
    else:
        if practitioner.role != User.Role.PRACTITIONER:
            raise ValidationError({"route_to": "Choose a practitioner."})
        outcome = Referral.Outcome.ROUTED_PRACTITIONER
        to_whom = f"{practitioner.get_full_name()} ({practitioner.role_label})"
    _timeline(referral, "Referral routed", f"routed to {to_whom}")
    routed = _apply(
        referral,
        actor=actor,
        # Off hold goes back to received; otherwise the status does not change (it is still
        # waiting for an answer: only the team's acceptance makes it `accepted`).
        to_status=lifecycle.RECEIVED if referral.status == lifecycle.ON_HOLD else None,
        outcome=outcome,
        routed_team=team,
        routed_practitioner=practitioner,
        routed_at=timezone.now(),
        returned_at=None,
        return_reason="",
        business_status=f"Routed to {to_whom}: waiting for them to accept",
    )
    _notify_in_tray(routed, team=team, practitioner=practitioner)
    return routed


def _notify_in_tray(referral: Referral, *, team: Team | None, practitioner: User | None) -> None:
    """The team (or named practitioner) hears that a referral waits in their in-tray (ADR 71)."""
    from django.urls import reverse

    from caretrust.notifications.models import Kind
    from caretrust.notifications.services import notify

    if team is not None:
        users = list(
            User.objects.filter(
                team_memberships__team=team, role=User.Role.PRACTITIONER, is_active=True
            ).distinct()
        )
    else:
        users = [practitioner]
    where = f"{team.name}'s" if team is not None else "your"
    notify(
        users,
        kind=Kind.REFERRAL_IN_TRAY,
        text=f"A referral ({referral.reference}) waits in {where} in-tray",
        link=reverse("referrals:in_tray"),
    )


def allocatable(referral: Referral) -> list[User]:
    """Who a referral may be allocated to: the practitioners of the team it was routed to, or the
    named practitioner and the practitioners who share a team with them."""
    if referral.routed_team_id:
        teams = [referral.routed_team_id]
    elif referral.routed_practitioner_id:
        teams = list(
            Team.objects.filter(memberships__user=referral.routed_practitioner).values_list(
                "id", flat=True
            )
        )
    else:
        return []
    users = User.objects.filter(
        role=User.Role.PRACTITIONER, is_active=True, team_memberships__team_id__in=teams
    )
    if referral.routed_practitioner_id:
        users = users | User.objects.filter(pk=referral.routed_practitioner_id)
    return list(users.distinct().order_by("first_name", "last_name"))


def _check_allocatable(referral: Referral, worker: User) -> None:
    if worker is None or worker.pk not in {u.pk for u in allocatable(referral)}:
        raise ValidationError(
            {"allocate_to": "Choose a practitioner in the team the referral was routed to."}
        )


def _worker_label(worker: User) -> str:
    return f"{worker.get_full_name()} ({worker.role_label})"


def _routed_label(referral: Referral) -> str:
    if referral.routed_team_id:
        return referral.routed_team.name
    if referral.routed_practitioner_id:
        return referral.routed_practitioner.get_full_name()
    return "the team"


@transaction.atomic
def accept(*, actor: User, referral: Referral, allocate_to: User) -> Referral:
    """A member of the team it was routed to accepts the referral (Task accepted) and allocates a
    named worker: themselves or a colleague. The response standard is met now, and the record
    opens to the team."""
    policy.require(actor, "referrals.accept", referral)
    _check_allocatable(referral, allocate_to)
    now = timezone.now()
    _timeline(
        referral,
        "Referral accepted",
        f"accepted by {_routed_label(referral)}; allocated to {_worker_label(allocate_to)}",
    )
    return _apply(
        referral,
        actor=actor,
        to_status=lifecycle.ACCEPTED,
        accepted_at=now,
        accepted_by=actor,
        allocated_to=allocate_to,
        allocated_at=now,
        responded_at=referral.responded_at or now,
        business_status=(
            f"Accepted by {_routed_label(referral)}; allocated to {_worker_label(allocate_to)}"
        ),
    )


@transaction.atomic
def return_to_coordinators(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The team gives the referral back, with a reason; it goes back on the co-ordinators'
    worklist (still `received`, still claimed by the co-ordinator who routed it)."""
    policy.require(actor, "referrals.accept", referral)
    reason = _check_reason(reason, "Say why the team cannot take it")
    by = _routed_label(referral)
    _timeline(referral, "Referral returned", f"returned by {by} to the co-ordinators")
    return _apply(
        referral,
        actor=actor,
        reason=reason,
        outcome="",
        routed_team=None,
        routed_practitioner=None,
        routed_at=None,
        returned_at=timezone.now(),
        return_reason=reason,
        business_status=f"Returned by {by} to the co-ordinators",
    )


@transaction.atomic
def allocate(*, actor: User, referral: Referral, worker: User) -> Referral:
    """Give an accepted referral to another named worker in the team."""
    policy.require(actor, "referrals.allocate", referral)
    _check_allocatable(referral, worker)
    if referral.allocated_to_id == worker.pk:
        raise ValidationError({"allocate_to": "It is already allocated to them."})
    return _apply(
        referral,
        actor=actor,
        allocated_to=worker,
        allocated_at=timezone.now(),
        business_status=f"Allocated to {_worker_label(worker)}",
    )


@transaction.atomic
def transfer_caseload(*, actor: User, team: Team, from_worker: User, to_worker: User) -> int:
    """Move every open referral of `team` allocated to one worker to another, in one step (one
    event and audit row per referral, plus one for the transfer). Returns how many moved."""
    from caretrust.referrals.selectors import allocated_to

    policy.require(actor, "referrals.transfer_caseload", team)
    members = set(team.memberships.values_list("user_id", flat=True))
    if from_worker.pk not in members:
        raise ValidationError({"from_worker": "Choose someone in this team."})
    if (
        to_worker.pk not in members
        or to_worker.role != User.Role.PRACTITIONER
        or not to_worker.is_active
    ):
        raise ValidationError({"to_worker": "Choose an active practitioner in this team."})
    if from_worker.pk == to_worker.pk:
        raise ValidationError({"to_worker": "Choose someone else."})
    moved = 0
    for referral in (
        allocated_to(from_worker).filter(routed_team=team).select_for_update(of=("self",))
    ):
        _apply(
            referral,
            actor=actor,
            allocated_to=to_worker,
            allocated_at=timezone.now(),
            business_status=f"Allocated to {_worker_label(to_worker)} (caseload transfer)",
        )
        moved += 1
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=team,
        details={
            "caseload_transfer": True,
            "from": from_worker.username,
            "to": to_worker.username,
            "referrals": moved,
        },
    )
    return moved


@transaction.atomic
def signpost(
    *,
    actor: User,
    referral: Referral,
    organisation: Organisation | None = None,
    information: str = "",
) -> Referral:
    """Answer with a voluntary organisation or information, which completes the referral."""
    _require_owner(actor, referral)
    information = information.strip()
    if organisation is None and not information:
        raise ValidationError(
            {"signpost": "Choose a voluntary organisation or describe the information given."}
        )
    to_whom = organisation.name if organisation else "information and advice"
    return _apply(
        referral,
        actor=actor,
        to_status=lifecycle.COMPLETED,
        outcome=Referral.Outcome.SIGNPOSTED,
        signposted_to=organisation,
        signpost_information=information,
        responded_at=referral.responded_at or timezone.now(),
        business_status=f"Signposted to {to_whom}",
    )


def _service_team(service) -> Team | None:
    """The team of the partner organisation running a directory service that answers referrals
    to it: its service team (the first by name), or None when it is not on caretrust."""
    organisation_id = service.organization.organisation_id
    if organisation_id is None:
        return None
    return (
        Team.objects.filter(host_organisation_id=organisation_id, kind=Team.Kind.SERVICE)
        .order_by("name", "pk")
        .first()
    )


@transaction.atomic
def signpost_to_service(*, actor: User, referral: Referral, service) -> Referral:
    """Signpost to a service found in the local services directory (ADR 110).

    When the organisation that runs it works on caretrust, the referral waits in its team's
    in-tray (still `received`, businessStatus "Signposted to ...: waiting for them to accept") and
    the organisation answers (`answer_signpost`): the closed loop of a routed referral. Otherwise
    signposting completes the referral, as signposting to information does."""
    from caretrust.directory.models import DirectoryService

    _require_owner(actor, referral)
    if referral.status not in (lifecycle.RECEIVED, lifecycle.ON_HOLD):
        raise ValidationError("Only a referral a co-ordinator is looking at can be signposted.")
    if service.status != DirectoryService.Status.ACTIVE:
        raise ValidationError(
            {"service": f"{service.name} is {service.get_status_display().lower()}."}
        )
    organisation = service.organization.organisation
    team = _service_team(service)
    to_whom = f"{service.name} ({service.organization.name})"
    if team is None:
        return _apply(
            referral,
            actor=actor,
            to_status=lifecycle.COMPLETED,
            outcome=Referral.Outcome.SIGNPOSTED,
            signposted_to=organisation,
            directory_service=service,
            responded_at=referral.responded_at or timezone.now(),
            business_status=f"Signposted to {to_whom}",
        )
    _require_person(referral)
    _timeline(referral, "Referral signposted", f"signposted to {to_whom}")
    signposted = _apply(
        referral,
        actor=actor,
        to_status=lifecycle.RECEIVED if referral.status == lifecycle.ON_HOLD else None,
        outcome=Referral.Outcome.SIGNPOSTED,
        signposted_to=organisation,
        directory_service=service,
        routed_team=team,
        routed_practitioner=None,
        routed_at=timezone.now(),
        returned_at=None,
        return_reason="",
        business_status=f"Signposted to {to_whom}: waiting for them to accept",
    )
    _notify_in_tray(signposted, team=team, practitioner=None)
    return signposted


@transaction.atomic
def answer_signpost(*, actor: User, referral: Referral, accept: bool, reason: str = "") -> Referral:
    """The voluntary organisation answers a referral signposted to its service: it accepts (the
    referral completes: the person is theirs to support; the record does not open to them) or
    declines with a reason (back on the co-ordinators' worklist to signpost or route elsewhere).
    The referrer sees either on their referral."""
    policy.require(actor, "referrals.answer_signpost", referral)
    service = referral.directory_service
    by = referral.signposted_to.name if referral.signposted_to_id else _routed_label(referral)
    if accept:
        _timeline(referral, "Referral accepted", f"accepted by {by} for {service.name}")
        return _apply(
            referral,
            actor=actor,
            to_status=lifecycle.COMPLETED,
            accepted_by=actor,
            responded_at=referral.responded_at or timezone.now(),
            business_status=f"Accepted by {by} for {service.name}",
        )
    reason = _check_reason(reason, "Say why you cannot take it")
    _timeline(referral, "Referral declined", f"declined by {by} for {service.name}")
    return _apply(
        referral,
        actor=actor,
        reason=reason,
        outcome="",
        signposted_to=None,
        directory_service=None,
        routed_team=None,
        routed_at=None,
        returned_at=timezone.now(),
        return_reason=reason,
        business_status=f"Declined by {by} for {service.name}: back with the co-ordinators",
    )


@transaction.atomic
def close(
    *, actor: User, referral: Referral, reason: str, status: str = lifecycle.REJECTED
) -> Referral:
    """Close without routing: rejected (not for us) or cancelled (withdrawn), always with a reason."""
    _require_owner(actor, referral)
    if status not in (lifecycle.REJECTED, lifecycle.CANCELLED):
        raise ValidationError("Close a referral as rejected or cancelled.")
    return _apply(
        referral,
        actor=actor,
        to_status=status,
        reason=reason,
        outcome=Referral.Outcome.CLOSED,
        responded_at=referral.responded_at or timezone.now(),
        business_status="Closed",
    )


@transaction.atomic
def withdraw(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The referrer withdraws its referral (Task cancelled, ServiceRequest revoked), with a
    reason: over the FHIR API, the client that sent it (ADR 116). Co-ordinators see it on the
    referral and it leaves their worklist; it is on the person's timeline."""
    policy.require(actor, "referrals.withdraw", referral)
    withdrawn = _apply(
        referral,
        actor=actor,
        to_status=lifecycle.CANCELLED,
        reason=reason,
        outcome=Referral.Outcome.CLOSED,
        business_status="Withdrawn by the referrer",
    )
    _timeline(withdrawn, "Referral withdrawn", f"withdrawn by {withdrawn.referrer_name}")
    return withdrawn


@transaction.atomic
def add_information(*, actor: User, referral: Referral, information: str) -> Referral:
    """The referrer tells the co-ordinators more (a Task note over the FHIR API, ADR 116): a
    step on the referral's page ("More information from the referrer") with what they said.
    The status does not change; an open referral only."""
    policy.require(actor, "referrals.add_information", referral)
    information = (information or "").strip()
    if not information:
        raise ValidationError({"information": "Say what you want to add."})
    if referral.status in lifecycle.TERMINAL:
        raise lifecycle.InvalidTransition(
            f"A referral that is {referral.status} takes no more information."
        )
    return _apply(referral, actor=actor, information=information)


PROGRESS_STEPS = {
    lifecycle.IN_PROGRESS: "Assessment under way",
    lifecycle.COMPLETED: "Completed",
    lifecycle.ON_HOLD: "On hold",
    lifecycle.FAILED: "Could not be completed",
    lifecycle.ACCEPTED: "Resumed",
}


@transaction.atomic
def record_progress(
    *, actor: User, referral: Referral, to_status: str, reason: str = "", business_status: str = ""
) -> Referral:
    """The routed team moves its work on: in progress, completed, on hold, failed or resumed."""
    policy.require(actor, "referrals.progress", referral)
    if to_status not in PROGRESS_STEPS:
        raise ValidationError("That step is not one a team records.")
    return _apply(
        referral,
        actor=actor,
        to_status=to_status,
        reason=reason,
        business_status=business_status or PROGRESS_STEPS[to_status],
    )


@transaction.atomic
def refer(
    *,
    actor: User,
    details: PersonDetails,
    chosen: Person | None = None,
    confirm_new: bool = False,
    locality: Locality | None = None,
    **referral: Any,
) -> Referral:
    """Find or add the person (duplicate check) and submit the referral, all or nothing.

    Raises `people.intake.PossibleDuplicates` when the referrer must say who the person is."""
    from caretrust.people.intake import find_or_add_person

    policy.require(actor, "referrals.submit")
    person, _ = find_or_add_person(
        actor=actor, details=details, chosen=chosen, confirm_new=confirm_new
    )
    return submit_professional_referral(actor=actor, person=person, locality=locality, **referral)


@transaction.atomic
def confirm_person_from_details(
    *,
    actor: User,
    referral: Referral,
    chosen: Person | None = None,
    confirm_new: bool = False,
) -> Referral:
    """For a self or family referral: find or add the person from what the referrer told us."""
    from caretrust.people.intake import find_or_add_person

    _require_owner(actor, referral)
    details = PersonDetails.from_dict(referral.subject_details)
    person, _ = find_or_add_person(
        actor=actor, details=details, chosen=chosen, confirm_new=confirm_new, source="self-referral"
    )
    return confirm_person(actor=actor, referral=referral, person=person)
