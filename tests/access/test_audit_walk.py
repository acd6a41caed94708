"""Every page that shows a person's data writes an audit row naming them, and every refusal is
audited: a walk over every URL pattern, as each demo role, around one seeded person (Edith, after
the demo story: referral, joint assessment, agreed plan, financial assessment, merges, quarantine).

A URL pattern the walk does not know fails the test, so a new page cannot skip this check: give
it parameters in PARAMS or an entry in EXCLUDED with the reason."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from caretrust.access.models import AuditEvent, BreakGlassAccess, PrivacyAlert
from caretrust.access.services import break_glass
from caretrust.assessments.models import Assessment
from caretrust.careplans.models import CarePlan
from caretrust.directory.models import DirectoryService
from caretrust.directory.selectors import derived_taxonomy_id
from caretrust.funding.models import FinancialAssessment
from caretrust.organisations.models import User
from caretrust.outcomes.models import RiskScore
from caretrust.people.models import LinkCandidate, Merge, Person
from caretrust.people.services import merge_people
from caretrust.portal.demo import EDITH_NHS_NUMBER
from caretrust.record.models import Resource
from caretrust.referrals.models import Referral
from tests.factories import person_row

pytestmark = pytest.mark.django_db

ROLES = (
    "coordinator",
    "nurse",
    "ot",
    "socialworker",
    "gp",
    "finance",
    "analyst",
    "privacy",
    "admin",
    "chc",
    "edith",
    "susan",
    "voluntary",
)

# Patterns that are not pages about a person, each with why.
EXCLUDED = {
    "web:login": "the public sign-in page; shows no one",
    "web:logout": "signs the user out; shows no one",
    "web:about": "about caretrust; shows no one",
    "referrals:self": "the public ask-for-help form; shows only what the asker types",
    "referrals:public_status": (
        "the self-referrer's own status page, opened with the secret token they were given; it "
        "shows only what they sent (covered by tests/referrals)"
    ),
    "fhir:metadata": "the CapabilityStatement; shows no one",
    "fhir:smart_configuration": "SMART discovery document (ADR 113); shows no one",
    "fhir:token": (
        "SMART Backend Services token endpoint: signed client assertions, not sessions; issue and "
        "refusal audited (tests/fhir/test_smart_backend_services.py)"
    ),
    "fhir:type": "FHIR API: bearer tokens, not sessions; audited in its handlers (tests/fhir)",
    "fhir:search": "FHIR API: POST [type]/_search, the same search as GET (ADR 0119)",
    "fhir:instance": "FHIR API: as above",
    "fhir:history": "FHIR API: as above",
    "fhir:type_history": (
        "FHIR API: type history; lists only versions of people the client may read, and audits "
        "each page's people (ADR 121, tests/fhir/test_search_chaining.py)"
    ),
    "fhir:system_history": "FHIR API: system history, as type history (ADR 121)",
    "fhir:vread": "FHIR API: as above",
    "fhir:everything": (
        "FHIR Patient/$everything: bearer tokens; one audited read per call "
        "(tests/fhir/test_everything.py)"
    ),
    "fhir:None": "FHIR API: unknown paths answer 404",
    "fhir:base": "FHIR API: transaction and batch Bundles, each entry audited by its handler",
    "fhir:export_system": (
        "FHIR Bulk Data kick-off (ADR 117): bearer tokens; each exported person's read audited by "
        "the job, refusals audited (tests/fhir/test_bulk_export.py)"
    ),
    "fhir:export_patients": "FHIR Bulk Data kick-off: as above",
    "fhir:export_group": "FHIR Bulk Data kick-off: as above",
    "fhir:export_status": "FHIR Bulk Data status: bearer tokens; the manifest names no one",
    "fhir:export_file": "FHIR Bulk Data file: bearer tokens; each download audited (as above)",
    "fhir_base:base": "FHIR API: as above, at /fhir without the slash",
    "evaluation:detail": (
        "a saved evaluation: rates, counts and diagnostics for areas, never a person (small "
        "numbers suppressed; tests/evaluation)"
    ),
    "evaluation:again": "runs a saved evaluation again: as above",
}


class Seed:
    """Edith's story told through the services, plus the objects every page needs."""

    def __init__(self, user_for) -> None:
        from caretrust.demo.scenario import load_demo_scenario

        load_demo_scenario()
        self.edith = Person.objects.with_nhs_number(EDITH_NHS_NUMBER).get()
        self.referral = Referral.objects.filter(person=self.edith).first()
        self.assessment = Assessment.objects.filter(person=self.edith).first()
        self.plan = CarePlan.objects.filter(person=self.edith).first()
        self.financial = FinancialAssessment.objects.filter(person=self.edith).first()
        twin = person_row(given_name="Edith", family_name="Smith", birth_date=self.edith.birth_date)
        self.candidate = LinkCandidate.objects.create(
            incoming=twin, existing=self.edith, match_probability=0.8, match_weight=4.0
        )
        other = person_row(given_name="Edie", family_name="Smith", birth_date=self.edith.birth_date)
        merge_people(actor=user_for("admin"), survivor=self.edith, merged=other, reason="manual")
        self.merge = Merge.objects.get(merged=other)
        self.score = RiskScore.objects.create(
            person=self.edith,
            score_date=date(2026, 11, 1),
            model="test",
            risk=0.3,
            rank_percentile=99.9,
        )
        self.orphan = Resource.objects.create(
            resource_type="Condition",
            logical_id="orphan",
            last_updated="2026-01-01T00:00:00Z",
            content={
                "resourceType": "Condition",
                "subject": {"reference": "Patient/x"},
                "note": [{"text": "Fell at home"}],
            },
            content_hash="x",
            source="fhir",
            source_id="orphan",
            subject_reference="Patient/x",
            quarantined=True,
        )
        self.access = break_glass(
            actor=user_for("ot"),
            person=self.edith,
            justification="consent",
            reason="She asked me to check her record today.",
        )
        BreakGlassAccess.objects.filter(pk=self.access.pk).update(expires_at="2000-01-01T00:00Z")
        self.alert = PrivacyAlert.objects.create(
            kind="break_glass_limit", user=user_for("ot"), message="Edith Smith: limit"
        )
        from caretrust.careplans.models import Visit
        from caretrust.workspace.services import create_task

        self.visit = Visit.objects.filter(person=self.edith).first()

        self.task = create_task(
            actor=user_for("ot"),
            person=self.edith,
            title="Check the grab rails are fitted",
            due_date=date(2026, 12, 1),
            assigned_user=user_for("ot"),
        )
        # A secure message and an MDT meeting about her (ADR 71).
        from caretrust.meetings import services as meetings
        from caretrust.messaging.services import send_message
        from caretrust.notifications.models import Notification
        from caretrust.organisations.models import Team

        self.message = send_message(
            actor=user_for("ot"),
            person=self.edith,
            subject="Grab rails",
            body="Fitted on Tuesday?",
            recipient_user=user_for("nurse"),
        )
        self.notification = Notification.objects.filter(user=user_for("nurse")).first()
        self.meeting = meetings.schedule_meeting(
            actor=user_for("ot"),
            team=Team.objects.get(code="torquay-mdt"),
            starts_at=timezone.now() + timedelta(days=1),
        )
        self.agenda_item = meetings.add_to_agenda(
            actor=user_for("ot"), meeting=self.meeting, person=self.edith
        )
        from caretrust.funding.demo import load_demo_pool

        self.pool = load_demo_pool(date(2026, 11, 15))
        from caretrust.capacity import services as capacity
        from caretrust.carers import services as carers

        sw = user_for("socialworker")
        self.carer = carers.record_carer(
            actor=sw, person=self.edith, name="Susan Smith", relationship="daughter"
        )
        self.carers_assessment = carers.start_assessment(actor=sw, carer=self.carer)
        self.capacity = capacity.record_capacity_assessment(
            actor=sw,
            person=self.edith,
            decision="Whether to accept home care twice a day",
            category="care_plan",
            practicable_steps="Explained twice, in the morning",
            impairment=True,
            impairment_details="Vascular dementia",
            unable_to={"retain"},
            functional_details="Could not recall the options after five minutes",
        )
        self.best_interests = capacity.record_best_interests(
            actor=sw,
            capacity_assessment=self.capacity,
            decision="Home care twice a day",
            wishes_and_feelings="Wants to stay at home",
            consulted="Susan (daughter)",
            less_restrictive_options="Telecare alone: not enough",
        )
        self.authority = capacity.record_authority(
            actor=sw,
            person=self.edith,
            kind="lpa_hw",
            holder_name="Susan Smith",
            registered_on=date(2024, 5, 1),
            reference="M-1234-5678-9012",
        )
        # A safeguarding concern about her, raised by the nurse (ADR 83).
        from caretrust.safeguarding import services as safeguarding

        self.concern = safeguarding.raise_concern(
            actor=user_for("nurse"),
            person=self.edith,
            details=safeguarding.ConcernDetails(
                facts="Bruises on both arms",
                abuse_types=["physical"],
                location="own_home",
                source_of_risk="known",
            ),
        )


PARAMS = {
    "safeguarding:raise": lambda s: {"ref": s.edith.ref},
    "safeguarding:sac_csv": lambda s: {"year": "2025-26"},
    "carers:new": lambda s: {"ref": s.edith.ref},
    "carers:detail": lambda s: {"uuid": s.carer.uuid},
    "carers:start": lambda s: {"uuid": s.carer.uuid},
    "carers:assessment": lambda s: {"uuid": s.carers_assessment.uuid},
    "carers:decide": lambda s: {"uuid": s.carers_assessment.uuid},
    "carers:plan": lambda s: {"uuid": s.carers_assessment.uuid},
    "carers:agree": lambda s: {"uuid": s.carers_assessment.uuid},
    "capacity:new": lambda s: {"ref": s.edith.ref},
    "capacity:new_best_interests": lambda s: {"ref": s.edith.ref},
    "capacity:new_authority": lambda s: {"ref": s.edith.ref},
    "capacity:assessment": lambda s: {"uuid": s.capacity.uuid},
    "capacity:best_interests": lambda s: {"uuid": s.best_interests.uuid},
    "capacity:authority": lambda s: {"uuid": s.authority.uuid},
    "record:person": lambda s: {"ref": s.edith.ref},
    "record:about_me": lambda s: {"ref": s.edith.ref},
    "people:correct_details": lambda s: {"ref": s.edith.ref},
    "record:break_glass": lambda s: {"ref": s.edith.ref},
    "people:person_merges": lambda s: {"ref": s.edith.ref},
    "people:link_candidate": lambda s: {"pk": s.candidate.pk},
    "people:undo_merge": lambda s: {"pk": s.merge.pk},
    "record:quarantined_resource": lambda s: {"pk": s.orphan.pk},
    "referrals:detail": lambda s: {"reference": s.referral.reference},
    "referrals:sent": lambda s: {"reference": s.referral.reference},
    "referrals:claim": lambda s: {"reference": s.referral.reference},
    "referrals:act": lambda s: {"reference": s.referral.reference, "action": "triage"},
    "referrals:find_service": lambda s: {"reference": s.referral.reference},
    # The Open Referral UK API: public, the directory's services only (no person).
    "directory:service": lambda s: {
        "oruk_id": DirectoryService.objects.order_by("pk").first().oruk_id
    },
    "directory:organization": lambda s: {
        "oruk_id": DirectoryService.objects.order_by("pk").first().organization.oruk_id
    },
    "directory:service_at_location": lambda s: {
        "oruk_id": DirectoryService.objects.order_by("pk")
        .first()
        .service_at_locations.first()
        .oruk_id
    },
    "directory:taxonomy": lambda s: {"oruk_id": derived_taxonomy_id("Bayside local categories")},
    "directory:taxonomy_term": lambda s: {
        "oruk_id": DirectoryService.objects.order_by("pk")
        .first()
        .attributes[0]["taxonomy_term"]["id"]
    },
    "assessments:start": lambda s: {"reference": s.referral.reference},
    "careplans:start": lambda s: {"reference": s.referral.reference},
    "funding:financial_assessment": lambda s: {"ref": s.edith.ref},
    "funding:who_pays": lambda s: {"ref": s.edith.ref},
    "funding:financial_assessment_result": lambda s: {"pk": s.financial.pk},
    "funding:financial_assessment_letter": lambda s: {"pk": s.financial.pk},
    "funding:pool_detail": lambda s: {"pk": s.pool.pk},
    "funding:pool_import": lambda s: {"pk": s.pool.pk},
    "funding:pool_export": lambda s: {"pk": s.pool.pk},
    "outcomes:refer": lambda s: {"score_id": s.score.pk},
    "access:break_glass_review": lambda s: {"pk": s.access.pk},
    "access:alert_acknowledge": lambda s: {"pk": s.alert.pk},
    "workspace:new_task": lambda s: {"ref": s.edith.ref},
    "careplans:record_visit": lambda s: {"uuid": s.visit.uuid, "outcome": "done"},
    # Administration pages show staff, not people receiving care; walked all the same.
    "workspace:admin_staff": lambda s: {"pk": s.task.assigned_user_id},
    "workspace:admin_remove_from_team": lambda s: {
        "pk": s.task.assigned_user_id,
        "team_pk": s.referral.routed_team_id,
    },
    "workspace:admin_close_account": lambda s: {"pk": s.task.assigned_user_id},
    "workspace:task": lambda s: {"uuid": s.task.uuid},
    "messaging:new": lambda s: {"ref": s.edith.ref},
    "messaging:message": lambda s: {"uuid": s.message.uuid},
    "messaging:reply": lambda s: {"uuid": s.message.uuid},
    "notifications:open": lambda s: {"pk": s.notification.pk},
    "meetings:add_person": lambda s: {"ref": s.edith.ref},
    "meetings:meeting": lambda s: {"uuid": s.meeting.uuid},
    "meetings:item": lambda s: {"uuid": s.meeting.uuid, "pk": s.agenda_item.pk},
    "meetings:add_action": lambda s: {"uuid": s.meeting.uuid, "pk": s.agenda_item.pk},
    "workspace:task_action": lambda s: {"uuid": s.task.uuid, "action": "comment"},
}


def _job(seed) -> dict:
    """A background job the analyst started (it names no one; the walk checks refusals)."""
    from caretrust.jobs.models import Job

    job = Job.objects.create(owner=User.objects.get(username="analyst"), kind="walk", title="Walk")
    return {"pk": job.pk}


def _projection_run(seed) -> dict:
    """A saved plan-ahead run not yet finished (aggregate figures about a place, no person)."""
    from caretrust.outcomes.models import PlanScenario, ProjectionRun

    analyst = User.objects.get(username="analyst")
    scenario = PlanScenario.objects.create(name="Walk", toml="", created_by=analyst)
    run = ProjectionRun.objects.create(
        scenario=scenario, scenario_name="Walk", seed=1, runs=1, years=1, created_by=analyst
    )
    return {"pk": run.pk}


PARAMS["jobs:detail"] = _job
PARAMS["jobs:status"] = _job
PARAMS["outcomes:plan_run"] = _projection_run
for name in ("detail", "findings", "contribute", "decide", "fhir", "record", "end"):
    PARAMS[f"assessments:{name}"] = lambda s: {"uuid": s.assessment.uuid}
PARAMS["assessments:start_for_person"] = lambda s: {"ref": s.edith.ref}
PARAMS["entitlements:person"] = lambda s: {"ref": s.edith.ref}
for name in ("person", "checklist", "fast_track", "fnc"):
    PARAMS[f"chc:{name}"] = lambda s: {"ref": s.edith.ref}


def _chc_case(seed) -> dict:
    """Edith's CHC case: a positive checklist from the co-ordinator (made once)."""
    from caretrust.chc import rules, services
    from caretrust.chc.models import ChcCase

    case = ChcCase.objects.filter(person=seed.edith).first()
    if case is None:
        case = services.record_checklist(
            actor=User.objects.get(username="coordinator"),
            person=seed.edith,
            levels={key: "A" for key in rules.CHECKLIST_DOMAINS},
            completed_on=timezone.localdate(),
        )
    return {"uuid": case.uuid}


for name in ("case", "dst", "decide", "review"):
    PARAMS[f"chc:{name}"] = _chc_case


def _discharge(seed) -> dict:
    """Edith's hospital discharge, referred by the hospital's discharge team (made once)."""
    from caretrust.discharge.models import Discharge
    from caretrust.referrals import services as referrals

    found = Discharge.objects.filter(person=seed.edith).first()
    if found is None:
        referral = referrals.submit_professional_referral(
            actor=User.objects.get(username="discharge"),
            person=seed.edith,
            source="hospital_discharge",
            reason="Ready to go home after a chest infection.",
            consent=True,
            extra={"discharge": {"ready_date": date.today(), "pathway": 1}},
        )
        found = Discharge.objects.get(referral=referral)
    return {"ref": found.uuid}


PARAMS["discharge:detail"] = _discharge
for name in ("concern", "decide", "outcomes", "risk", "plan", "conclude", "review"):
    PARAMS[f"safeguarding:{name}"] = lambda s: {"uuid": s.concern.uuid}


def _review(seed) -> dict:
    from caretrust.reviews.models import Review

    return {"uuid": Review.objects.filter(person=seed.edith).first().uuid}


for name in ("detail", "record", "reschedule", "request"):
    PARAMS[f"reviews:{name}"] = _review
for name in (
    "detail",
    "details",
    "add_service",
    "add_member",
    "agree",
    "merge",
    "fhir",
    "team_fhir",
):
    PARAMS[f"careplans:{name}"] = lambda s: {"uuid": s.plan.uuid}
PARAMS["careplans:who_visits"] = lambda s: {
    "uuid": s.plan.uuid,
    "pk": s.plan.services.order_by("pk").first().pk,
}


def _direct_payment(seed):
    """Edith's direct payment agreement, with one monitoring return (ADR 86)."""
    from caretrust.budgets.models import DirectPaymentAgreement, MonitoringReturn

    agreement = DirectPaymentAgreement.objects.filter(person=seed.edith).first()
    if agreement is None:
        money = {"gross_weekly": "200.00", "person_weekly": "20.00", "weekly_amount": "180.00"}
        agreement = DirectPaymentAgreement.objects.create(
            person=seed.edith,
            plan=seed.plan,
            recipient="person",
            requested_on=date(2026, 11, 2),
            start=date(2026, 11, 2),
            first_review_by=date(2027, 5, 2),
            created_by=User.objects.get(username="finance"),
            **money,
        )
        MonitoringReturn.objects.create(
            agreement=agreement,
            period_start=date(2026, 11, 2),
            period_end=date(2026, 11, 29),
            spent="500.00",
            balance="900.00",
            paid_in="720.00",
            expected_balance="300.00",
            contingency="720.00",
            recovery_due="180.00",
            recorded_by=User.objects.get(username="finance"),
        )
    return agreement


def _deferred_payment(seed) -> dict:
    from caretrust.budgets.models import DeferredPaymentAgreement

    agreement = DeferredPaymentAgreement.objects.filter(person=seed.edith).first()
    if agreement is None:
        agreement = DeferredPaymentAgreement.objects.create(
            person=seed.edith,
            financial_assessment=seed.financial,
            agreed_on=date(2024, 6, 17),
            deferral_start=date(2024, 6, 17),
            care_home_weekly_fee="900.00",
            weekly_contribution="191.05",
            weekly_deferred="708.95",
            property_address="1 Walk Street",
            property_value="250000.00",
            land_registry_title="DN1",
            charge_registered_on=date(2024, 6, 28),
            created_by=User.objects.get(username="finance"),
        )
    return {"pk": agreement.pk}


for name in ("plan", "direct_payment_new"):
    PARAMS[f"budgets:{name}"] = lambda s: {"uuid": s.plan.uuid}
PARAMS["budgets:line_delivery"] = lambda s: {
    "uuid": s.plan.uuid,
    "service_id": s.plan.services.order_by("pk").first().pk,
}
PARAMS["budgets:direct_payment"] = lambda s: {"pk": _direct_payment(s).pk}
PARAMS["budgets:monitoring_return"] = lambda s: {"pk": _direct_payment(s).pk}
PARAMS["budgets:direct_payment_change"] = lambda s: {"pk": _direct_payment(s).pk}
PARAMS["budgets:direct_payment_end"] = lambda s: {"pk": _direct_payment(s).pk}
PARAMS["budgets:recover"] = lambda s: {"pk": _direct_payment(s).returns.first().pk}
PARAMS["budgets:deferred_payment_new"] = lambda s: {"ref": s.edith.ref}
PARAMS["budgets:deferred_payment"] = _deferred_payment


def _delivery(seed) -> dict:
    """A dead-letter notification of a GP system's subscription (names a referral, not a person)."""
    from caretrust.fhir.models import ApiClient
    from caretrust.fhir.services import issue_client
    from caretrust.organisations.models import Organisation
    from caretrust.subscriptions.models import Delivery, Subscription

    found = Delivery.objects.first()
    if found is None:
        client = (
            ApiClient.objects.filter(name="walk-gp").first()
            or issue_client(
                name="walk-gp",
                organisation=Organisation.objects.get(code="DEMO-GP1"),
                role="coordinator",
            )[0]
        )
        subscription = Subscription.objects.create(
            client=client,
            organisation=client.organisation,
            criteria="Task?requester=Organization/DEMO-GP1",
            endpoint="https://gp.example/notify",
            status=Subscription.Status.ERROR,
        )
        found = Delivery.objects.create(
            subscription=subscription,
            referral=seed.referral,
            task_status="received",
            task_version=1,
            status=Delivery.Status.DEAD,
        )
    return {"uuid": found.uuid}


PARAMS["subscriptions:retry"] = _delivery
PARAMS["subscriptions:dismiss"] = _delivery


def _patterns(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}", pattern


def _shows_edith(html: str, edith: Person) -> bool:
    """Her name or NHS number in the page's main content (the header names the signed-in user,
    which for Edith's own account is herself)."""
    main = html.split('id="maincontent"', 1)[-1]
    text = re.sub(r"<[^>]+>", " ", main)
    digits = re.sub(r"\D", "", text)
    named = re.search(r"Edith\s+(Smith|SMITH)", text) is not None
    return named or EDITH_NHS_NUMBER in digits


@pytest.mark.slow
def test_every_page_showing_a_person_is_audited_and_every_refusal_too(user_for) -> None:
    seed = Seed(user_for)
    urls: dict[str, str] = {}
    unknown = []
    for name, pattern in _patterns():
        if name in EXCLUDED:
            continue
        if pattern.pattern.converters and name not in PARAMS:
            unknown.append(name)
            continue
        urls[name] = reverse(name, kwargs=PARAMS[name](seed) if name in PARAMS else None)
    assert not unknown, f"give these URL patterns parameters or an exclusion: {unknown}"
    # Lists and searches that show her only when asked.
    urls["search"] = reverse("record:search") + "?name=Smith"
    urls["worklist"] = reverse("referrals:worklist") + "?view=open"
    urls["audit"] = reverse("access:audit_log") + f"?person={seed.edith.audit_ref}"

    gaps = []
    walked = shown = refused = 0
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls.values():
            before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = client.get(url)
            walked += 1
            assert response.status_code < 500, (username, url, response.status_code)
            new = AuditEvent.objects.filter(id__gt=before)
            if response.status_code == 403:
                refused += 1
                if not new.filter(action=AuditEvent.Action.ACCESS_DENIED).exists():
                    gaps.append(f"{username} {url}: refusal not audited")
            body = response.content.decode(errors="replace") if response.status_code == 200 else ""
            if body and _shows_edith(body, seed.edith):
                shown += 1
                if not new.filter(person_ref=seed.edith.audit_ref).exists():
                    gaps.append(f"{username} {url}: shows Edith without an audit row naming her")
    assert not gaps, "\n".join(gaps)
    # The walk must actually have seen her and refusals, or it proves nothing.
    assert shown >= 20 and refused >= 20, (walked, shown, refused)
