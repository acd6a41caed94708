"""The portal in plain language: the person's plan, who is visiting and when, who looked at the record."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from caretrust import clock
from caretrust.access.models import AuditEvent
from caretrust.careplans.models import PlannedService
from caretrust.careplans.selectors import current_plan, upcoming_visits
from caretrust.funding.planning import plan_charges
from caretrust.organisations.models import User
from caretrust.portal.models import PersonPortalAccount

# Who pays, said simply (the funding area will work out any contribution).
FUNDING_PLAIN = {
    "council": "Arranged by the council. You may be asked to pay towards it after a financial assessment.",
    "nhs_chc": "Paid for by the NHS (Continuing Healthcare). Free to you.",
    "reablement": "Reablement: free to you for up to 6 weeks.",
    "s117": "Aftercare under section 117 of the Mental Health Act. Free to you.",
    "minor_adaptation": "Equipment or a minor adaptation: free to you.",
    "nursing_home_fee": "NHS-funded nursing care. Free to you.",
    "nhs": "Paid for by the NHS. Free to you.",
    "person_self_funded": "You pay for this yourself.",
}

ACTION_PLAIN = {
    "read": "looked at",
    "create": "added to",
    "update": "updated",
    "break_glass": "used emergency access to",
}


@dataclass(frozen=True)
class PortalPage:
    title: str
    lead: str
    person_name: str
    carer_note: str = ""
    goals: list[str] = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    coordinator: str = ""
    review_date: str = ""
    plan_status: str = ""
    visits: list[dict] = field(default_factory=list)
    accesses: list[dict] = field(default_factory=list)
    payment: str = ""
    template: str = "portal/home.jinja"
    sections: list = field(default_factory=list)
    assessment_letter: bool = False
    # For a carer: what they may decide for the person (as attorney or deputy) and why (ADR 74).
    acting: list[dict] = field(default_factory=list)
    # The personal budget of an agreed plan, in plain words (ADR 86); None before the plan is agreed.
    budget: dict | None = None


def _paid(service: PlannedService, line) -> str:
    """Who pays, in plain words; the amount once a financial assessment has decided it."""
    plain = FUNDING_PLAIN[service.funding_stream]
    if line is None or line.person is None:
        return plain
    if line.person == 0:
        return f"{plain.split('.')[0]}. You pay nothing for this."
    period = "a week" if line.weekly_cost is not None else "once"
    return f"You pay £{line.person:,.2f} {period} towards this; the rest is paid by the council."


def _service(service: PlannedService, line=None) -> dict:
    provider = service.provider_organisation.name
    if service.provider_team_id:
        provider = f"{service.provider_team.name} ({provider})"
    when = f"from {service.start:%d %B %Y}"
    if service.end:
        when += f" to {service.end:%d %B %Y}"
    return {
        "what": service.get_kind_display(),
        "detail": service.description,
        "who": provider,
        "how_often": f"{service.frequency_text}, {when}",
        "paid": _paid(service, line),
    }


def _payment(charges) -> str:
    """What the person pays in all, and why, in one or two sentences."""
    if charges is None or not charges.lines:
        return ""
    if charges.person_weekly is None:
        return (
            "Care arranged by the NHS is free. For care arranged by the council, a finance officer "
            "will work out with you what you pay, from your income and savings."
        )
    if charges.full_cost_payer:
        return (
            f"You pay £{charges.person_weekly:,.2f} a week: your savings are above the limit set "
            "by law (£23,250), so you pay the full cost of council-arranged care. NHS care is free."
        )
    return (
        f"You pay £{charges.person_weekly:,.2f} a week in all. This was worked out from your "
        "income and savings in your financial assessment: you keep at least the minimum income "
        "the law guarantees, and you never pay more than your care costs. NHS care is free."
    )


def _who(event: AuditEvent) -> str:
    user = event.actor
    if user is None:
        return event.actor_username or "The system"
    name = user.get_full_name() or user.username
    parts = [name, user.role_label]
    if user.organisation_id:
        parts.append(user.organisation.name)
    return ", ".join(parts)


def portal_home(user: User) -> PortalPage:
    account = (
        PersonPortalAccount.objects.select_related("person")
        .filter(user=user, revoked_at__isnull=True)
        .first()
    )
    if account is None:
        return PortalPage(
            title="Your care",
            lead="Your account is not linked to anyone's care record yet. Ask your co-ordinator to link it.",
            person_name="",
        )
    person = account.person.survivor()
    is_carer = account.relationship == account.Relationship.CARER
    # A carer reads someone else's record: audited like any other read, one row with the plan
    # and visits below folded in (the person's own view of their record is not a disclosure, and
    # `person_read` records nothing for it). ADR 101.
    from caretrust.access import audit

    audit.person_read(user, person, purpose="portal", obj=person, details={"page": "portal"})
    first_name = person.preferred_name or person.given_name
    plan = current_plan(person, viewer=user)
    today = timezone.localdate()
    charges = plan_charges(plan) if plan else None
    lines = {line.service_id: line for line in charges.lines} if charges else {}
    visits = [
        {
            "when": v.date.strftime("%A %d %B"),
            "what": v.get_kind_display(),
            "who": (v.practitioner.get_full_name() + ", " if v.practitioner_id else "")
            + (v.team.name if v.team_id else v.organisation.name),
            "joint": ", ".join(v.joint_with),
        }
        for v in upcoming_visits(person, today, 14, viewer=user)
    ]
    events = (
        AuditEvent.objects.about_person(person.audit_ref)
        .exclude(actor__role__in=[User.Role.PERSON, User.Role.CARER])
        .select_related("actor__organisation")[:50]
    )
    accesses = [
        {
            "when": timezone.localtime(e.occurred_at).strftime("%d %b %Y %H:%M"),
            "who": _who(e),
            "what": f"{ACTION_PLAIN.get(e.action, e.get_action_display().lower())} "
            f"{'your' if not is_carer else first_name + chr(8217) + 's'} record"
            + (" using emergency access" if e.details.get("break_glass") else ""),
            "why": e.reason,
        }
        for e in events
    ]
    return PortalPage(
        title=f"{first_name}{chr(8217)}s care" if is_carer else "Your care",
        lead=(
            f"{person.given_name} has said you can see their care plan as their "
            f"{account.carer_relationship or 'carer'}."
            if is_carer
            else "Your care plan, who is visiting you and when, and who has looked at your record."
        ),
        person_name=person.display_name,
        carer_note="You are seeing this as an authorised carer." if is_carer else "",
        goals=[g.text for g in plan.goals.all()] if plan else [],
        services=[
            _service(s, lines.get(str(s.pk)))
            for s in plan.services.select_related("provider_organisation", "provider_team")
        ]
        if plan
        else [],
        payment=_payment(charges),
        assessment_letter=bool(charges and charges.assessment is not None),
        coordinator=(
            f"{plan.coordinator.get_full_name()}, {plan.coordinator.organisation.name}"
            if plan and plan.coordinator.organisation_id
            else (plan.coordinator.get_full_name() if plan else "")
        ),
        review_date=plan.review_date.strftime("%d %B %Y") if plan else "",
        plan_status=("agreed" if plan.status == "active" else "being put together") if plan else "",
        visits=visits,
        accesses=accesses,
        acting=_acting(user, person, first_name) if is_carer else [],
        budget=_budget(plan, is_carer, first_name) if plan and plan.status == "active" else None,
    )


def _money(amount) -> str:
    return f"£{amount:,.2f}"


def _budget(plan, is_carer: bool, first_name: str) -> dict | None:
    """The personal budget (Care Act 2014 s26) as the budgets area works it out from the
    charging engine's answer: the same figures the finance officer sees."""
    from caretrust.budgets.selectors import personal_budget
    from caretrust.budgets.services import next_payment

    budget = personal_budget(plan)
    if not budget.lines:
        return None
    you = f"{first_name} pays" if is_carer else "You pay"
    parts = [
        f"Your personal budget is {_money(budget.weekly_total)} a week: what it costs to meet the needs the council meets."
    ]
    if is_carer:
        parts[0] = (
            f"{first_name}{chr(8217)}s personal budget is {_money(budget.weekly_total)} a week: what it costs to meet the needs the council meets."
        )
    if budget.person_weekly is None:
        parts.append("A financial assessment will decide what part of it is paid by the council.")
    else:
        parts.append(
            f"{you} {_money(budget.person_weekly)} a week and the council pays {_money(budget.council_weekly)} a week."
        )
    lines = [
        {"what": line.charge.description, "how": line.mechanism_label} for line in budget.lines
    ]
    direct = None
    agreement = budget.direct_payment
    if agreement is not None:
        upcoming = next_payment(agreement, clock.today())
        every = (
            "every week"
            if agreement.frequency_weeks == 1
            else f"every {agreement.frequency_weeks} weeks"
        )
        direct = (
            f"The council pays {_money(agreement.payment_amount)} {every} "
            f"into the direct payment account"
            + (f" ({agreement.recipient_name})" if agreement.recipient_name else "")
            + (f"; the next payment is on {upcoming.due:%-d %B %Y}." if upcoming else ".")
        )
    return {"summary": " ".join(parts), "lines": lines, "direct_payment": direct}


def _acting(user: User, person, first_name: str) -> list[dict]:
    """What a carer may decide for the person: only as their attorney or deputy, within scope,
    and only where the person lacks capacity for that kind of decision (portal access rules)."""
    from caretrust.access import policy

    return [
        {"what": what, "can": bool(decision), "why": decision.reason}
        for what, decision in (
            (
                f"{first_name}{chr(8217)}s care plan",
                policy.decide(user, "portal.act_on_care_plan", person),
            ),
            ("Money, and letters about it", policy.decide(user, "portal.act_on_money", person)),
        )
    ]
