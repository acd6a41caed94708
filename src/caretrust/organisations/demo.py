"""Demo organisations, teams and one user per role for a Torbay-like place. Demo only: the
passwords are published in the README, so production settings refuse to load them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Locality, Organisation, Team, TeamMembership, User

DEMO_PASSWORD = "caretrust-demo"  # noqa: S105 (documented demo credential, refused in production)

LOCALITIES = [("torquay", "Torquay"), ("paignton", "Paignton"), ("brixham", "Brixham")]

ORGANISATIONS = [
    ("DEMO-TRUST", "Bayside Health and Care NHS Trust", Organisation.Kind.NHS_TRUST, None),
    ("DEMO-COUNCIL", "Bayside Council Adult Social Care", Organisation.Kind.COUNCIL, None),
    ("DEMO-GP1", "Harbour Medical Practice", Organisation.Kind.GP_PRACTICE, "torquay"),
    ("DEMO-GP2", "Abbey Road Surgery", Organisation.Kind.GP_PRACTICE, "torquay"),
    ("DEMO-GP3", "Paignton Green Surgery", Organisation.Kind.GP_PRACTICE, "paignton"),
    ("DEMO-GP4", "Brixham Quay Practice", Organisation.Kind.GP_PRACTICE, "brixham"),
    ("DEMO-HOMECARE", "Coastline Home Care Ltd", Organisation.Kind.CARE_PROVIDER, None),
    ("DEMO-VOLUNTARY", "Bayside Age Friendly Network", Organisation.Kind.VOLUNTARY, None),
    ("DEMO-ICB", "Bayside Integrated Care Board", Organisation.Kind.ICB, None),
]

TEAMS = [
    ("spoc", "Single point of contact", Team.Kind.SINGLE_POINT_OF_CONTACT, None, "DEMO-TRUST"),
    ("torquay-mdt", "Torquay locality team", Team.Kind.LOCALITY_MDT, "torquay", "DEMO-TRUST"),
    ("paignton-mdt", "Paignton locality team", Team.Kind.LOCALITY_MDT, "paignton", "DEMO-TRUST"),
    ("brixham-mdt", "Brixham locality team", Team.Kind.LOCALITY_MDT, "brixham", "DEMO-TRUST"),
    # The independent providers' own teams: every planned service names who visits (ADR 72).
    ("coastline-carers", "Coastline Home Care carers", Team.Kind.SERVICE, None, "DEMO-HOMECARE"),
    # The council's adult safeguarding team: receives concerns, makes s42 decisions (ADR 83).
    (
        "council-safeguarding",
        "Adult safeguarding team",
        Team.Kind.SERVICE,
        None,
        "DEMO-COUNCIL",
    ),
    (
        "council-equipment",
        "Council equipment and adaptations service",
        Team.Kind.SERVICE,
        None,
        "DEMO-COUNCIL",
    ),
    # The voluntary organisation's team that answers referrals signposted to its services
    # in the local services directory (ADR 110).
    (
        "age-friendly-team",
        "Age Friendly Network referrals team",
        Team.Kind.SERVICE,
        None,
        "DEMO-VOLUNTARY",
    ),
    # The ICB's NHS Continuing Healthcare team: decides eligibility (ADR 85).
    ("icb-chc", "ICB Continuing Healthcare team", Team.Kind.SERVICE, None, "DEMO-ICB"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str
    teams: tuple[str, ...] = ()
    profession: str = ""


R, P = User.Role, User.Profession
USERS = [
    DemoUser("coordinator", "Sam", "Carter", R.COORDINATOR, "DEMO-TRUST", ("spoc", "torquay-mdt")),
    DemoUser(
        "nurse", "Priya", "Shah", R.PRACTITIONER, "DEMO-TRUST", ("torquay-mdt",), P.COMMUNITY_NURSE
    ),
    DemoUser(
        "ot",
        "Tom",
        "Hughes",
        R.PRACTITIONER,
        "DEMO-TRUST",
        ("torquay-mdt",),
        P.OCCUPATIONAL_THERAPIST,
    ),
    DemoUser(
        "socialworker",
        "Grace",
        "Okafor",
        R.PRACTITIONER,
        "DEMO-COUNCIL",
        ("torquay-mdt", "council-safeguarding"),
        P.SOCIAL_WORKER,
    ),
    DemoUser("gp", "Helen", "Moss", R.PRACTITIONER, "DEMO-GP1", (), P.GP),
    # The ICB's CHC nurse assessor and decision-maker (ADR 85).
    DemoUser("chc", "Lena", "Ward", R.PRACTITIONER, "DEMO-ICB", ("icb-chc",), P.COMMUNITY_NURSE),
    # The hospital's discharge team: refers people ready to leave hospital (discharge to assess).
    DemoUser("discharge", "Nadia", "Khan", R.PRACTITIONER, "DEMO-TRUST", (), P.COMMUNITY_NURSE),
    # The voluntary organisation's befriending co-ordinator: accepts signposted referrals.
    DemoUser(
        "voluntary",
        "Kim",
        "Ellis",
        R.PRACTITIONER,
        "DEMO-VOLUNTARY",
        ("age-friendly-team",),
        P.VOLUNTARY_SECTOR,
    ),
    DemoUser("finance", "Raj", "Patel", R.FINANCE_OFFICER, "DEMO-COUNCIL"),
    DemoUser("analyst", "Mia", "Jones", R.ANALYST, "DEMO-TRUST"),
    DemoUser("privacy", "Alan", "Reid", R.PRIVACY_OFFICER, "DEMO-TRUST"),
    DemoUser("admin", "Jo", "Turner", R.ADMINISTRATOR, "DEMO-TRUST"),
    # Portal: Edith Smith (85, lives alone, heart failure) and her daughter, her authorised carer.
    DemoUser("edith", "Edith", "Smith", R.PERSON, ""),
    DemoUser("susan", "Susan", "Smith", R.CARER, ""),
]


class DemoDataRefused(Exception):
    pass


@transaction.atomic
def load_demo_organisations() -> dict[str, int]:
    """Create or refresh the demo directory. Running it again changes nothing."""
    if not getattr(settings, "CARETRUST_ALLOW_DEMO_DATA", False):
        raise DemoDataRefused("demo data has published passwords and is refused in these settings")
    localities = {
        code: Locality.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in LOCALITIES
    }
    organisations = {
        code: Organisation.objects.update_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "locality": localities.get(locality)},
        )[0]
        for code, name, kind, locality in ORGANISATIONS
    }
    teams = {
        code: Team.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "locality": localities.get(locality),
                "host_organisation": organisations[host],
            },
        )[0]
        for code, name, kind, locality, host in TEAMS
    }
    created = 0
    for spec in USERS:
        user, was_created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.org",
                "role": spec.role,
                "profession": spec.profession,
                "organisation": organisations.get(spec.organisation),
                "is_staff": False,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            audit.record(
                actor=None,
                actor_label="demo loader",
                action=AuditEvent.Action.CREATE,
                obj=user,
                reason="demo data",
            )
            created += 1
        for team_code in spec.teams:
            TeamMembership.objects.get_or_create(team=teams[team_code], user=user)
    return {
        "organisations": len(organisations),
        "localities": len(localities),
        "teams": len(teams),
        "users_created": created,
    }
