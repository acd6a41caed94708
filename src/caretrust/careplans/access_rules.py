"""Who may see and change a care plan and its visits, and the relationship a care team creates:
a user named on the person's current care plan, or a member of a team on it."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role
from caretrust.ui import navigation


def _plan_rule(user, obj) -> Decision:
    person = getattr(obj, "person", obj)
    return relationships.person_record_rule(user, person)


CARE = {Role.COORDINATOR, Role.PRACTITIONER}
policy.register("careplans.view", "see a care plan", CARE, object_rule=_plan_rule, read_only=True)
policy.register("careplans.edit", "change a care plan", CARE, object_rule=_plan_rule)
policy.register(
    "careplans.merge_visits",
    "merge duplicate visits into one joint visit",
    {Role.COORDINATOR},
    object_rule=_plan_rule,
)
policy.register("careplans.team_visits", "see your teams' visit lists", CARE)
policy.register(
    "careplans.record_visit",
    "record a visit as done, missed or cancelled",
    CARE,
    object_rule=_plan_rule,
)


def on_the_care_team(user, person) -> str | None:
    from caretrust.careplans.models import CarePlan, CareTeamMember
    from caretrust.referrals.selectors import user_team_ids

    current = CareTeamMember.objects.filter(
        plan__person=person, plan__status__in=[CarePlan.Status.DRAFT, CarePlan.Status.ACTIVE]
    )
    if (
        current.filter(user=user).exists()
        or current.filter(team_id__in=user_team_ids(user)).exists()
    ):
        return "on the person's care team"
    if CarePlan.objects.filter(
        person=person, coordinator=user, status__in=["draft", "active"]
    ).exists():
        return "the person's named co-ordinator"
    return None


def on_the_care_team_filter(user):
    from django.db.models import Q

    from caretrust.careplans.models import CarePlan, CareTeamMember
    from caretrust.referrals.selectors import user_team_ids

    current = [CarePlan.Status.DRAFT, CarePlan.Status.ACTIVE]
    members = CareTeamMember.objects.filter(plan__status__in=current).filter(
        Q(user=user) | Q(team_id__in=user_team_ids(user))
    )
    coordinated = CarePlan.objects.filter(coordinator=user, status__in=current)
    return [Q(pk__in=members.values("plan__person_id")), Q(pk__in=coordinated.values("person_id"))]


relationships.register_provider("care_team", on_the_care_team, on_the_care_team_filter)

navigation.register("Visits", "careplans:visits", "careplans.team_visits", order=15)


def _hub_plan(user, person):
    """The current plan (version, named co-ordinator), its care team and the next visits."""
    from django.urls import reverse

    from caretrust import clock
    from caretrust.careplans.selectors import current_plan, upcoming_visits
    from caretrust.record.hub import HubLink, HubSection

    plan = current_plan(person, viewer=user)
    if plan is None:
        return HubSection("Care plan", [], "No current care plan.")
    version = plan.versions.count()
    coordinator = plan.coordinator.get_full_name() if plan.coordinator_id else "not named"
    links = [
        HubLink(
            f"Care plan ({plan.get_status_display().lower()}, version {version})",
            reverse("careplans:detail", args=[plan.uuid]),
            f"Co-ordinator: {coordinator}; review by {plan.review_date:%d %b %Y}",
        )
    ]
    for member in plan.care_team.select_related("user", "team", "organisation"):
        links.append(HubLink(f"Care team: {member.display_name}", "", member.role))
    for visit in upcoming_visits(person, clock.today(), days=14, viewer=user)[:5]:
        who = (
            visit.practitioner.get_full_name()
            if visit.practitioner_id
            else visit.team.name
            if visit.team_id
            else visit.organisation.name
        )
        links.append(HubLink(f"Visit {visit.date:%a %d %b}: {visit.get_kind_display()}", "", who))
    return HubSection("Care plan, care team and visits", links)


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("careplans", _hub_plan, order=30)
