"""Who may schedule, see and record MDT meetings, who sees whom on an agenda, and the
relationship a discussion creates.

- A meeting belongs to a locality team: its members (practitioners and co-ordinators) see it.
- A person on the agenda is shown by name only to members who may see them: a legitimate
  relationship with the person, or, for a person who came from case finding, the person is on
  the member's own case-finding list (registered at one of their practices: the same name, age
  and risk the case-finding page shows them). Other members see a count, not who.
- Recording the discussion of a person, with its consent basis (direct care by default), makes
  the team the person's direct-care team: members of the team have a legitimate relationship
  with the person for `DISCUSSED_RELATIONSHIP_DAYS` after the discussion, so the actions agreed
  (tasks for named members) can be opened and done by them (ADR 71)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role
from caretrust.organisations.models import Team

STAFF = {Role.COORDINATOR, Role.PRACTITIONER}
DISCUSSED_RELATIONSHIP_DAYS = 90


def _member(user, team_id: int) -> bool:
    from caretrust.referrals.selectors import user_team_ids

    return team_id in user_team_ids(user)


def team_rule(user, team) -> Decision:
    if team.kind != Team.Kind.LOCALITY_MDT:
        return Decision(False, "Only a locality team holds MDT meetings.", "denied")
    if not _member(user, team.pk):
        return Decision(False, "You are not a member of this team.", "denied")
    return Decision(True, "You are a member of this team.", "object_rule")


def meeting_rule(user, meeting) -> Decision:
    return team_rule(user, meeting.team)


def sees_on_agenda(user, item) -> bool:
    """Whether the member may see who this agenda item is about (see the module's docstring)."""
    if relationships.legitimate_relationship(user, item.person):
        return True
    return item.source == "case_finding" and bool(
        policy.decide(user, "outcomes.refer_from_case_finding", item.person)
    )


def item_rule(user, item) -> Decision:
    decision = meeting_rule(user, item.meeting)
    if not decision:
        return decision
    if not sees_on_agenda(user, item):
        return Decision(False, "You have no relationship with this person.", "denied")
    return Decision(True, "A member of the team who may see this person.", "object_rule")


def add_person_rule(user, person) -> Decision:
    return relationships.person_record_rule(user, person)


policy.register("meetings.list", "see your teams' MDT meetings", STAFF)
policy.register("meetings.schedule", "schedule an MDT meeting", STAFF, object_rule=team_rule)
policy.register("meetings.view", "see an MDT meeting", STAFF, object_rule=meeting_rule)
policy.register(
    "meetings.add_person", "add a person to an MDT agenda", STAFF, object_rule=add_person_rule
)
policy.register(
    "meetings.discuss", "record the discussion of a person at an MDT", STAFF, object_rule=item_rule
)


def _since():
    from caretrust import clock

    return clock.now() - timedelta(days=DISCUSSED_RELATIONSHIP_DAYS)


def discussed_by_your_team(user, person) -> str | None:
    from caretrust.meetings.models import Discussion
    from caretrust.referrals.selectors import user_team_ids

    teams = user_team_ids(user)
    if (
        teams
        and Discussion.objects.filter(
            item__person=person, item__meeting__team_id__in=teams, recorded_at__gte=_since()
        ).exists()
    ):
        return "discussed at your team's MDT meeting"
    return None


def discussed_by_your_team_filter(user) -> Q | None:
    from caretrust.meetings.models import Discussion
    from caretrust.referrals.selectors import user_team_ids

    teams = user_team_ids(user)
    if not teams:
        return None
    discussed = Discussion.objects.filter(
        item__meeting__team_id__in=teams, recorded_at__gte=_since()
    )
    return Q(pk__in=discussed.values("item__person_id"))


relationships.register_provider(
    "mdt_discussion", discussed_by_your_team, discussed_by_your_team_filter
)


def _hub_meetings(user, person):
    from django.urls import reverse

    from caretrust.record.hub import HubLink, HubSection

    if not policy.decide(user, "meetings.add_person", person):
        return None
    return HubSection(
        "MDT meetings",
        [
            HubLink(
                "Add to an MDT meeting agenda", reverse("meetings:add_person", args=[person.ref])
            )
        ],
    )


from caretrust.record import hub  # noqa: E402  (registries are filled at import)

hub.register("meetings", _hub_meetings, order=42)
