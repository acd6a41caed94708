"""What each role sees first. A presenter turns models into plain values for NHS.UK templates."""

from __future__ import annotations

from dataclasses import dataclass, field

from caretrust.access.models import AuditEvent
from caretrust.access.policy import decide
from caretrust.organisations.models import Organisation, Team, User
from caretrust.organisations.selectors import user_teams
from caretrust.ui.navigation import count_also, page_count


@dataclass(frozen=True)
class Row:
    key: str
    value: str
    href: str = ""  # when set, the value is a link there


@dataclass(frozen=True)
class Section:
    heading: str
    rows: list[Row] = field(default_factory=list)
    empty_text: str = "Nothing to show yet."


@dataclass(frozen=True)
class HomePage:
    title: str
    lead: str
    sections: list[Section]
    template: str = "web/home.jinja"
    # Links to the role's main pages: (text, href).
    actions: list[Row] = field(default_factory=list)


def _team_rows(teams) -> list[Row]:
    """Each team with the organisations its members work for (`Team.member_organisations`), for
    all the teams in one statement rather than one each (ADR 128)."""
    teams = list(teams)
    members: dict[int, list[str]] = {team.pk: [] for team in teams}
    if teams:
        pairs = (
            Organisation.objects.filter(users__team_memberships__team__in=[t.pk for t in teams])
            .values_list("users__team_memberships__team", "name", "pk")
            .order_by("name", "pk")
            .distinct()
        )
        for team_id, name, _organisation in pairs:
            members[team_id].append(name)
    return [Row(team.name, ", ".join(members[team.pk]) or "No members yet") for team in teams]


def _my_teams(user: User, locality_teams: bool = False) -> tuple[Section, Section | None]:
    """The user's teams and, for a co-ordinator (`locality_teams`), the locality teams they route
    referrals to: both lists' members read in one statement (ADR 128)."""
    mine = user_teams(user)
    routed_to: list[Team] = []
    if locality_teams:
        from caretrust.referrals.selectors import user_locality_ids

        routed_to = list(
            Team.objects.filter(
                locality_id__in=user_locality_ids(user), kind=Team.Kind.LOCALITY_MDT
            )
        )
    rows = dict(zip([t.pk for t in mine + routed_to], _team_rows(mine + routed_to), strict=True))
    teams = Section("Your teams", [rows[t.pk] for t in mine], "You are not in a team yet.")
    if not locality_teams:
        return teams, None
    return teams, Section(
        "Locality teams you route referrals to",
        [rows[t.pk] for t in routed_to],
        "Your teams have no locality yet.",
    )


def _partners() -> Section:
    rows = [Row(org.name, org.get_kind_display()) for org in Organisation.objects.all()]
    return Section("Partner organisations", rows)


def _recent_audit() -> Section:
    events = AuditEvent.objects.select_related("actor")[:20]
    rows = [
        Row(
            f"{event.occurred_at:%d %b %Y %H:%M}",
            f"{event.actor_username or 'anonymous'}: {event.get_action_display()}"
            + (f" {event.object_type} {event.object_id}" if event.object_type else ""),
        )
        for event in events
    ]
    return Section("Latest audit events", rows, "No audit events yet.")


LEADS = {
    User.Role.COORDINATOR: "You are the single point of contact: referrals for your locality "
    "come to you, and you route them to the right team.",
    User.Role.PRACTITIONER: "You work in a locality team with colleagues from health and social care.",
    User.Role.FINANCE_OFFICER: "You look after financial assessments and the pooled budget.",
    User.Role.ANALYST: "You measure outcomes and find the people who need proactive care, "
    "using pseudonymised data.",
    User.Role.PRIVACY_OFFICER: "You review who looked at people's records and every break-glass access.",
    User.Role.ADMINISTRATOR: "You manage organisations, teams and staff accounts.",
    User.Role.PERSON: "Your care plan, your visits and who has looked at your record.",
    User.Role.CARER: "The care of the person who authorised you.",
}


def _referrals_waiting(user: User) -> Section:
    from caretrust.referrals.selectors import worklist_counts

    labels = {
        "new": "New, not claimed",
        "mine": "Claimed by you",
        "breached": "Response standard breached",
        "waiting_team": "Waiting for a team to accept",
        "returned": "Returned by a team",
    }
    counts = worklist_counts(user, list(labels))
    rows = [
        Row(label, str(counts[view]), f"/referrals/worklist/?view={view}")
        for view, label in labels.items()
    ]
    return Section("Referrals for your locality", rows)


def _in_tray(user: User) -> tuple[Section, list]:
    """The team in-tray: how many wait, and the first few (most urgent first)."""
    from django.utils import timezone

    from caretrust.referrals.presenters import in_tray_row
    from caretrust.referrals.selectors import in_tray
    from caretrust.ui.navigation import count_for

    waiting = in_tray(user)
    total = count_for(user, "referrals:in_tray")  # the header shows the same count
    if total is None:
        total = waiting.count()
    shown = list(waiting[:5]) if total else []
    now = timezone.now()
    rows = [Row("Waiting to be accepted", str(total), "/referrals/in-tray/")] if total else []
    for referral in shown:
        row = in_tray_row(referral, now)
        flag = "Breached: " if row.clock.breached else ""
        rows.append(Row(row.person, f"{flag}{row.reference}, {row.urgency_label.lower()}", row.url))
    return Section("Team in-tray", rows, "Nothing is waiting for your team."), shown


CASELOAD_SHOWN = 10


def _caseload(user: User) -> tuple[Section, list]:
    from caretrust.referrals.presenters import caseload_rows
    from caretrust.referrals.selectors import caseload
    from caretrust.ui.navigation import count_for

    # The first few (My work is a summary; the caseload page lists them all), under the count
    # the header already shows.
    total = count_for(user, "referrals:caseload")
    referrals = list(caseload(user)[:CASELOAD_SHOWN]) if total != 0 else []
    rows = [Row("On your caseload", str(total), "/referrals/caseload/")] if total else []
    for row in caseload_rows(referrals):
        rows.append(
            Row(
                row.person,
                f"Next review {row.next_review}; next visit {row.next_visit}",
                row.person_url or row.url,
            )
        )
    return Section("Your caseload", rows, "Nobody is allocated to you."), referrals


VISITS_SHOWN = 10


def _visits_today_query(user: User):
    from caretrust import clock
    from caretrust.careplans.selectors import team_visits_query

    return team_visits_query(user, clock.today())


def _visits_today(user: User) -> tuple[Section, list]:
    """How many visits today, and the first few: a locality team makes hundreds a day, which
    the visits page lists in full."""
    today = _visits_today_query(user)
    # The first few by time of day only: ordering by the person's name too made PostgreSQL join
    # every visit of the day to its person before keeping ten.
    visits = list(
        today.select_related(None)
        .select_related("person", "organisation", "team")
        .order_by("time", "kind", "sequence", "id")[:VISITS_SHOWN]
    )
    total = page_count(user, "visits_today")  # with the header's counts (ADR 128)
    summary = [Row("Visits today", str(total), "/care-plans/visits/")] if total else []
    rows = summary + [
        Row(
            v.person.display_name,
            (f"{v.time:%H:%M} " if v.time else "")
            + f"{v.get_kind_display()} ({v.team.name if v.team else v.organisation.name})",
            "/care-plans/visits/",
        )
        for v in visits
    ]
    return Section("Today's visits", rows, "No visits for your teams today."), visits


def _tasks(user: User) -> tuple[Section, list]:
    """My tasks, overdue and soonest due first (only about people I have a relationship with:
    the selector checks the whole list at once and records the read of each person shown)."""
    from django.utils import timezone

    from caretrust.workspace.presenters import task_row
    from caretrust.workspace.selectors import my_tasks

    today = timezone.localdate()
    tasks = my_tasks(user, fetch=20, show=8)
    rows = []
    for task in tasks:
        row = task_row(task, today)
        flag = "Overdue: " if row.overdue else ""
        rows.append(Row(row.person, f"{flag}{row.title} (due {row.due})", row.url))
    return Section("Your tasks", rows, "No open tasks for you or your teams."), tasks


def _orphaned_services_action(user: User) -> tuple[str, str]:
    """Services on the plans the user co-ordinates that name nobody to visit (ADR 72)."""
    from caretrust.careplans.selectors import orphaned_services

    count_also(user, "orphaned_services", orphaned_services(user))
    count = page_count(user, "orphaned_services")  # with the header's counts (ADR 128)
    return f"Services with nobody named to visit ({count})", "/care-plans/unassigned-services/"


def home_page_for(user: User) -> HomePage:
    role = User.Role(user.role)
    if role in (User.Role.PERSON, User.Role.CARER):
        from caretrust.portal.presenters import portal_home

        return portal_home(user)
    is_coordinator = role == User.Role.COORDINATOR
    my_teams, locality_teams = _my_teams(user, locality_teams=is_coordinator)
    sections = [my_teams]
    actions = []
    if decide(user, "referrals.worklist"):
        sections.insert(0, _referrals_waiting(user))
        actions.append(Row("Open the referrals worklist", "/referrals/worklist/"))
    if role == User.Role.COORDINATOR:
        tasks, _task_list = _tasks(user)  # the tasks selector audits (ADR 101)
        sections.insert(1, tasks)
        actions.append(Row("Your tasks", "/workspace/tasks/"))
        actions.append(Row(*_orphaned_services_action(user)))
        actions.append(Row("Reviews due and overdue", "/reviews/due/"))
        sections.append(locality_teams)
    if role == User.Role.PRACTITIONER:
        # My work: the in-tray first, then my caseload and today's visits (ADR 70). How many
        # visits today is counted with the header's counts, in their one statement (ADR 128).
        count_also(user, "visits_today", _visits_today_query(user))
        tray, _waiting = _in_tray(user)
        mine, _allocated = _caseload(user)
        visits, _today = _visits_today(user)
        tasks, _task_list = _tasks(user)
        sections[:0] = [tray, mine, visits, tasks]
        # The home page names people: each list's selector records the reads (ADR 89, ADR 101).
        actions.append(Row("Your tasks", "/workspace/tasks/"))
        actions.append(Row("Open the team in-tray", "/referrals/in-tray/"))
        actions.append(Row("Your caseload", "/referrals/caseload/"))
        actions.append(Row("Your teams' visits", "/care-plans/visits/"))
        actions.append(Row("Reviews due and overdue", "/reviews/due/"))
    in_locality_team = any(team.kind == Team.Kind.LOCALITY_MDT for team in user_teams(user))
    if decide(user, "meetings.list") and in_locality_team:
        actions.append(Row("MDT meetings", "/meetings/"))  # ADR 71
    if decide(user, "referrals.submit"):
        actions.append(Row("Refer a person", "/referrals/new/"))
        actions.append(Row("Your referrals", "/referrals/"))
    if decide(user, "organisations.manage"):
        actions.append(Row("Staff and teams", "/workspace/admin/"))
    if decide(user, "funding.worklist"):
        actions.insert(0, Row("People waiting for a financial assessment", "/funding/work/"))
    if decide(user, "budgets.worklist"):
        actions.insert(1, Row("Personal budgets and direct payments", "/budgets/"))
    if role in (User.Role.FINANCE_OFFICER, User.Role.ANALYST, User.Role.ADMINISTRATOR):
        sections.append(_partners())
    if decide(user, "access.view_audit"):
        sections.append(_recent_audit())
    return HomePage(
        title=f"{role.label} home", lead=LEADS[role], sections=sections, actions=actions
    )
