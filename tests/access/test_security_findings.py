"""Each finding of the access-and-identity probe (issue #12), reproduced and refused.

Relationships come only from workflow; break-glass is read-only, limited, revocable and marked;
one person per NHS number; a resource about nobody we know is served to nobody; tokens expire
and can be rotated and revoked."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caretrust.access import policy
from caretrust.access.models import AuditEvent, BreakGlassAccess, BreakGlassLimit, PrivacyAlert
from caretrust.access.services import BreakGlassLimitReached, break_glass, review_break_glass
from caretrust.capacity.services import ConsentGiven
from caretrust.careplans import services as careplan_services
from caretrust.fhir.models import ApiClient
from caretrust.fhir.services import TokenError, issue_client, revoke_client, rotate_client
from caretrust.ingest.cld_import import CldImporter
from caretrust.ingest.fhir_import import FhirImporter
from caretrust.organisations.models import Organisation, Team, TeamMembership, User
from caretrust.outcomes.models import RiskScore
from caretrust.outcomes.services import refer_from_case_finding
from caretrust.people import services as people_services
from caretrust.people.fhir_patient import Demographics
from caretrust.people.intake import PersonDetails, find_or_add_person
from caretrust.people.models import Person, PersonIdentifier
from caretrust.record.models import Resource
from caretrust.record.selectors import timeline
from caretrust.referrals import services as referral_services
from tests.factories import person_row

pytestmark = pytest.mark.django_db

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
EDITH_NHS = "9434765919"  # valid mod-11
INVALID_NHS = "9434765918"  # fails the check digit
REASON = "Ambulance crew report a fall; she cannot say who her GP is."

AGREED_BY_PHONE = ConsentGiven(
    basis="agreed", given_by="The person", method="phone", given_on=date(2026, 11, 30)
)


@pytest.fixture
def edith(demo_directory) -> Person:
    """Registered at a Paignton practice: nobody in the Torquay teams has a relationship."""
    person = person_row(
        given_name="Edith",
        family_name="Smith",
        birth_date=date(1941, 3, 2),
        sex=Person.Sex.FEMALE,
        postcode="TQ3 1AA",
        gp_practice=Organisation.objects.get(code="DEMO-GP3"),
    )
    PersonIdentifier.objects.create(
        person=person, system=NHS_SYSTEM, value=EDITH_NHS, verification="01"
    )
    return person


@pytest.fixture
def torquay_patient(demo_directory) -> Person:
    """Registered at a Torquay practice, so referrals for them land in the Torquay locality."""
    return person_row(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1940, 5, 12),
        sex=Person.Sex.FEMALE,
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )


def _can_see(user, person) -> bool:
    return policy.decide(user, "people.view_record", person).allowed


def _second_coordinator() -> User:
    colleague = User.objects.create(
        username="coordinator2",
        first_name="Pat",
        last_name="Lee",
        role=User.Role.COORDINATOR,
        organisation=Organisation.objects.get(code="DEMO-TRUST"),
    )
    TeamMembership.objects.create(team=Team.objects.get(code="torquay-mdt"), user=colleague)
    return colleague


# ------------------------------------------------------------------ 1. relationships from workflow


def test_a_coordinators_own_referral_does_not_open_the_record(user_for, torquay_patient) -> None:
    coordinator = user_for("coordinator")
    assert not _can_see(coordinator, torquay_patient)
    referral_services.submit_professional_referral(
        actor=coordinator,
        person=torquay_patient,
        source="community_team",
        reason="I want to read her record without a reason.",
        consent=True,
    )
    assert not _can_see(coordinator, torquay_patient)
    # The colleague who triages it has the intake relationship: that came from workflow.
    assert _can_see(_second_coordinator(), torquay_patient)


def test_the_web_referral_form_opens_nothing_to_the_coordinator_who_filled_it(
    user_for, torquay_patient
) -> None:
    coordinator = user_for("coordinator")
    client = Client()
    client.force_login(coordinator)
    response = client.post(
        reverse("referrals:new"),
        {
            "given_name": "Mary",
            "family_name": "Jones",
            "birth_date": "1940-05-12",
            "sex": "female",
            "postcode": "TQ1 1AA",
            "gp_practice": str(torquay_patient.gp_practice_id),
            "person_choice": str(torquay_patient.ref),
            "source": "community_team",
            "reason": "I want to read her record without a reason.",
            "requested_urgency": "routine",
            "lives_alone": "unknown",
            "consent": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert torquay_patient.referrals.filter(referrer=coordinator).exists()
    page = client.get(reverse("record:person", args=[torquay_patient.ref]))
    assert page.status_code == 403


def test_a_referral_from_case_finding_opens_nothing_to_its_coordinator(
    user_for, torquay_patient
) -> None:
    coordinator = user_for("coordinator")
    score = RiskScore.objects.create(
        person=torquay_patient,
        score_date=date(2026, 11, 1),
        model="test",
        risk=0.4,
        rank_percentile=99.5,
    )
    referral = refer_from_case_finding(actor=coordinator, score=score, consent=AGREED_BY_PHONE)
    assert referral.referrer == coordinator
    assert not _can_see(coordinator, torquay_patient)


def test_case_finding_referral_needs_the_person_on_the_users_list(user_for, edith) -> None:
    score = RiskScore.objects.create(
        person=edith, score_date=date(2026, 11, 1), model="test", risk=0.4, rank_percentile=99.5
    )
    with pytest.raises(PermissionDenied, match="not registered at one of your practices"):
        refer_from_case_finding(actor=user_for("coordinator"), score=score, consent=AGREED_BY_PHONE)


def test_a_fhir_service_request_opens_nothing_to_the_client(demo_directory, edith) -> None:
    practice = Organisation.objects.get(code="DEMO-GP1")
    _, token = issue_client(name="probe", organisation=practice, role="coordinator")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    before = client.get(f"/fhir/Patient/{edith.ref}")
    assert before.status_code == 403
    created = client.post(
        "/fhir/ServiceRequest",
        data=json.dumps(
            {
                "resourceType": "ServiceRequest",
                "status": "active",
                "intent": "order",
                "subject": {"reference": f"Patient/{edith.ref}"},
                "reasonCode": [{"text": "Let me read her record, please."}],
            }
        ),
        content_type="application/fhir+json",
    )
    assert created.status_code == 201
    after = client.get(f"/fhir/Patient/{edith.ref}")
    assert after.status_code == 403


# --------------------------------------------------------------------- 2. break-glass with teeth


def test_break_glass_needs_a_category_and_twenty_characters(user_for, edith) -> None:
    nurse = user_for("nurse")
    with pytest.raises(ValidationError) as error:
        break_glass(actor=nurse, person=edith, justification="", reason="routine look-up")
    assert set(error.value.message_dict) == {"justification", "reason"}
    with pytest.raises(ValidationError, match="20 characters"):
        break_glass(actor=nurse, person=edith, justification="consent", reason="routine look-up")
    assert not BreakGlassAccess.objects.exists()


def test_fifteen_break_glasses_in_a_second_are_refused(user_for, edith) -> None:
    nurse = user_for("nurse")
    refused = 0
    for _ in range(15):
        try:
            break_glass(
                actor=nurse, person=edith, justification="consent", reason="routine look-up"
            )
        except ValidationError:
            refused += 1
    assert refused == 15 and not BreakGlassAccess.objects.exists()


def test_the_rate_limit_is_data_and_alerts_the_privacy_officer(user_for, edith) -> None:
    nurse = user_for("nurse")
    limit = BreakGlassLimit.current()
    limit.max_accesses = 2
    limit.save()
    for _ in range(2):
        break_glass(actor=nurse, person=edith, justification="public_interest", reason=REASON)
    with pytest.raises(BreakGlassLimitReached, match="privacy officer has been told"):
        break_glass(actor=nurse, person=edith, justification="public_interest", reason=REASON)
    assert BreakGlassAccess.objects.filter(user=nurse).count() == 2
    alert = PrivacyAlert.objects.get(user=nurse)
    assert alert.kind == "break_glass_limit" and "nurse" in alert.message
    assert AuditEvent.objects.filter(
        action="access_denied", person_ref=edith.audit_ref, reason="break-glass limit reached"
    ).exists()
    # The privacy officer sees the alert on the break-glass page reached from the header.
    client = Client()
    client.force_login(user_for("privacy"))
    page = client.get(reverse("access:break_glass")).content.decode()
    assert "Break-glass limit reached" in page


def test_break_glass_is_read_only(user_for, edith) -> None:
    nurse = user_for("nurse")
    break_glass(actor=nurse, person=edith, justification="public_interest", reason=REASON)
    assert policy.decide(nurse, "people.view_record", edith).allowed
    assert policy.decide(nurse, "careplans.view", edith).allowed
    for action in ("people.edit_record", "careplans.edit", "assessments.contribute"):
        decision = policy.decide(nurse, action, edith)
        assert not decision.allowed, action
        assert "read-only" in decision.reason


def test_break_glass_cannot_add_yourself_to_the_care_team(user_for, edith) -> None:
    """Before: a practitioner broke glass, joined the care team and kept access after expiry."""
    nurse, gp = user_for("nurse"), user_for("gp")
    # A plan exists, made by someone with a relationship.
    edith.gp_practice = Organisation.objects.get(code="DEMO-GP1")
    edith.save()
    plan = careplan_services.create_plan(actor=gp, person=edith)
    edith.gp_practice = Organisation.objects.get(code="DEMO-GP3")
    edith.save()
    access = break_glass(actor=nurse, person=edith, justification="consent", reason=REASON)
    with pytest.raises(PermissionDenied, match="read-only"):
        careplan_services.add_care_team_member(
            actor=nurse, plan=plan, expected_version=plan.version, role="Nurse", user=nurse
        )
    BreakGlassAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now())
    assert not _can_see(nurse, edith)


def test_access_found_inappropriate_ends_at_once(user_for, edith) -> None:
    nurse = user_for("nurse")
    access = break_glass(actor=nurse, person=edith, justification="consent", reason=REASON)
    assert _can_see(nurse, edith)
    review_break_glass(
        actor=user_for("privacy"), access=access, outcome="inappropriate", notes="Not her nurse."
    )
    access.refresh_from_db()
    assert access.revoked_at is not None
    assert not _can_see(nurse, edith)


def test_what_is_read_under_break_glass_is_marked_for_the_person(user_for, edith) -> None:
    nurse = user_for("nurse")
    access = break_glass(actor=nurse, person=edith, justification="consent", reason=REASON)
    client = Client()
    client.force_login(nurse)
    assert client.get(reverse("record:person", args=[edith.ref])).status_code == 200
    read = AuditEvent.objects.filter(action="read", person_ref=edith.audit_ref, actor=nurse).get()
    assert read.details["break_glass"] == access.pk
    # ... and the person's own "who looked at my record" says so.
    from caretrust.portal.models import PersonPortalAccount
    from caretrust.portal.presenters import portal_home

    person_user = User.objects.create(username="edith-smith", role=User.Role.PERSON)
    PersonPortalAccount.objects.create(user=person_user, person=edith, relationship="self")
    lines = [a["what"] for a in portal_home(person_user).accesses]
    assert "looked at your record using emergency access" in lines


# ---------------------------------------------------------------- 3. one person per NHS number


def _demographics(number: str = EDITH_NHS, family: str = "Smyth") -> Demographics:
    return Demographics(
        given_name="Edith",
        family_name=family,
        birth_date=date(1941, 3, 2),
        sex="female",
        nhs_number=number,
        identifiers=[(NHS_SYSTEM, number)],
    )


def test_the_person_creating_service_refuses_a_second_holder(user_for, edith) -> None:
    with pytest.raises(people_services.DuplicateNhsNumber) as error:
        people_services.create_person(actor=user_for("coordinator"), demographics=_demographics())
    assert error.value.existing == edith
    assert Person.objects.with_nhs_number(EDITH_NHS).count() == 1


def test_fhir_create_with_a_held_nhs_number_is_409_naming_the_patient(demo_directory, edith):
    _, token = issue_client(
        name="gp-system", organisation=Organisation.objects.get(code="DEMO-GP3"), role="coordinator"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_SYSTEM, "value": EDITH_NHS}],
        "name": [{"family": "Smith", "given": ["Edith"]}],
        "birthDate": "1941-03-02",
    }
    for _ in range(3):
        response = client.post(
            "/fhir/Patient", data=json.dumps(body), content_type="application/fhir+json"
        )
        assert response.status_code == 409
        issue = response.json()["issue"][0]
        assert issue["code"] == "conflict"
        assert f"Patient/{edith.ref}" in issue["diagnostics"]
    assert Person.objects.with_nhs_number(EDITH_NHS).count() == 1
    # A conditional create finds her instead (the client's practice is hers).
    found = client.post(
        "/fhir/Patient",
        data=json.dumps(body),
        content_type="application/fhir+json",
        HTTP_IF_NONE_EXIST=f"identifier={NHS_SYSTEM}|{EDITH_NHS}",
    )
    assert found.status_code == 200 and found.json()["id"] == str(edith.ref)


def test_fhir_update_cannot_take_someone_elses_nhs_number(demo_directory, edith) -> None:
    practice = Organisation.objects.get(code="DEMO-GP3")
    other = person_row(given_name="Ann", family_name="Other", gp_practice=practice)
    _, token = issue_client(name="gp-system", organisation=practice, role="coordinator")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.put(
        f"/fhir/Patient/{other.ref}",
        data=json.dumps(
            {
                "resourceType": "Patient",
                "id": str(other.ref),
                "identifier": [{"system": NHS_SYSTEM, "value": EDITH_NHS}],
                "name": [{"family": "Other", "given": ["Ann"]}],
            }
        ),
        content_type="application/fhir+json",
    )
    assert response.status_code == 409
    assert not other.identifiers.filter(value=EDITH_NHS).exists()


def test_referral_intake_finds_the_holder_and_never_adds_a_second(user_for, edith) -> None:
    details = PersonDetails(
        given_name="Edie", family_name="Smith", birth_date=date(1941, 3, 2), nhs_number=EDITH_NHS
    )
    person, created = find_or_add_person(
        actor=user_for("coordinator"), details=details, confirm_new=True
    )
    assert person == edith and not created
    # A new person at intake goes through the same service: a version and an audit row.
    new, created = find_or_add_person(
        actor=user_for("coordinator"),
        details=PersonDetails(
            given_name="Nora",
            family_name="New",
            birth_date=date(1950, 1, 1),
            nhs_number="9876543210",
        ),
        confirm_new=True,
    )
    assert created and new.versions.count() == 1
    assert AuditEvent.objects.filter(action="create", person_ref=new.audit_ref).exists()


CLD_HEADER = [
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "NHS_Number",
    "First_Name",
    "Last_Name",
    "Date_of_Birth",
    "Gender",
    "Client_Type",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
    "Service_Type",
    "Service_Component",
]


def _cld(path: Path, **values) -> Path:
    row = {
        "LA_Code": "E06000027",
        "Reporting_Period_Start_Date": "2024-04-01",
        "Reporting_Period_End_Date": "2024-06-30",
        "LA_Person_Unique_Identifier": "C1",
        "NHS_Number": EDITH_NHS,
        "First_Name": "Edith",
        "Last_Name": "Smith",
        "Date_of_Birth": "02/03/1941",
        "Gender": "2",
        "Client_Type": "Service user",
        "Event_Type": "Service",
        "Event_Reference": "E1",
        "Event_Start_Date": "2024-04-10",
        "Event_End_Date": "",
        "Event_Outcome": "Continuation of support or services",
        "Service_Type": "Long Term Support: Community",
        "Service_Component": "Home Care",
        **values,
    }
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, CLD_HEADER)
        writer.writeheader()
        writer.writerow(row)
    return path


def test_cld_import_matches_the_one_holder(tmp_path, edith) -> None:
    people = Person.objects.count()
    result = CldImporter().import_file(_cld(tmp_path / "q1.csv"))
    assert result.committed and not result.problems
    assert edith.social_care_events.count() == 1
    assert Person.objects.count() == people


def test_cld_import_refuses_a_number_two_people_hold(tmp_path, edith) -> None:
    """Records from before the rule: the import names both rather than guessing."""
    duplicate = person_row(given_name="Edith", family_name="Smith")
    PersonIdentifier.objects.create(person=duplicate, system=NHS_SYSTEM, value=EDITH_NHS)
    result = CldImporter().import_file(_cld(tmp_path / "q1.csv"))
    assert not result.committed
    (problem,) = result.problems
    assert problem.location == "line 2" and problem.field == "NHS_Number"
    assert str(edith.ref) in problem.reason and str(duplicate.ref) in problem.reason
    assert not edith.social_care_events.exists() and not duplicate.social_care_events.exists()


def test_an_invalid_nhs_number_is_kept_flagged_reported_and_never_matched(tmp_path, db) -> None:
    first = CldImporter().import_file(_cld(tmp_path / "a.csv", NHS_Number=INVALID_NHS))
    assert first.committed
    (warning,) = first.warnings
    assert (warning.location, warning.field) == ("line 2", "NHS_Number")
    assert "not a valid NHS number" in warning.reason
    flagged = PersonIdentifier.objects.get(value=INVALID_NHS)
    assert flagged.data_quality == "invalid_nhs_number"
    # The same invalid number for someone else (another council id) is not a match.
    CldImporter().import_file(
        _cld(tmp_path / "b.csv", NHS_Number=INVALID_NHS, LA_Person_Unique_Identifier="C9")
    )
    assert Person.objects.count() == 2
    assert not Person.objects.with_nhs_number(INVALID_NHS).exists()


def test_fhir_import_keeps_an_invalid_nhs_number_flagged(tmp_path, db) -> None:
    path = tmp_path / "patients.ndjson"
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": NHS_SYSTEM, "value": INVALID_NHS}],
        "name": [{"family": "Smith", "given": ["Edith"]}],
        "birthDate": "1941-03-02",
    }
    path.write_text(json.dumps(patient) + "\n")
    result = FhirImporter(workers=0).import_file(path)
    assert result.committed and result.warnings
    assert PersonIdentifier.objects.get(value=INVALID_NHS).data_quality == "invalid_nhs_number"


# -------------------------------------------------------------------------------- 4. quarantine


@pytest.fixture
def orphan(tmp_path, demo_directory) -> Resource:
    path = tmp_path / "conditions.ndjson"
    condition = {
        "resourceType": "Condition",
        "id": "orphan-1",
        "subject": {"reference": "Patient/nobody-we-know"},
        "code": {"text": "Heart failure"},
        "onsetDateTime": "2024-01-01",
    }
    path.write_text(json.dumps(condition) + "\n")
    assert FhirImporter(workers=0).import_file(path).committed
    return Resource.objects.get(logical_id="orphan-1")


def test_an_orphan_resource_is_served_to_nobody(orphan, user_for) -> None:
    assert orphan.quarantined and orphan.person is None
    for role in ("coordinator", "analyst"):
        _, token = issue_client(
            name=f"reader-{role}",
            organisation=Organisation.objects.get(code="DEMO-TRUST"),
            role=role,
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get("/fhir/Condition/orphan-1").status_code == 404
        bundle = client.get("/fhir/Condition").json()
        assert not bundle.get("entry")
    assert not AuditEvent.objects.filter(object_id__contains="orphan-1", action="read").exists()


def test_data_quality_attaches_an_orphan_from_the_quarantine_page(orphan, user_for, edith):
    admin = user_for("admin")
    client = Client()
    client.force_login(admin)
    home = client.get("/").content.decode()
    assert reverse("record:quarantine") in home
    listing = client.get(reverse("record:quarantine")).content.decode()
    detail_url = reverse("record:quarantined_resource", args=[orphan.pk])
    assert detail_url in listing
    missing = client.post(detail_url, {"decision": "attach", "nhs_number": ""})
    assert "Enter the NHS number" in missing.content.decode()
    done = client.post(detail_url, {"decision": "attach", "nhs_number": EDITH_NHS})
    assert done.status_code == 302
    orphan.refresh_from_db()
    assert orphan.person == edith and not orphan.quarantined
    # On her timeline as served, with the line its import made (ADR 135).
    lines = [line for line in timeline([edith.pk]) if line.resource_id == orphan.pk]
    assert [(line.kind, line.date, line.sector) for line in lines] == [
        ("Condition", date(2024, 1, 1), "health")
    ]
    assert lines[0].summary == "Heart failure"
    # Now served under the usual rules: to a client at her practice.
    _, token = issue_client(
        name="her-practice",
        organisation=Organisation.objects.get(code="DEMO-GP3"),
        role="coordinator",
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/fhir/Condition/orphan-1").status_code == 200


def test_data_quality_can_reject_an_orphan(orphan, user_for) -> None:
    client = Client()
    client.force_login(user_for("admin"))
    url = reverse("record:quarantined_resource", args=[orphan.pk])
    client.post(url, {"decision": "reject", "reason": "Sent to us by mistake by the lab."})
    orphan.refresh_from_db()
    assert orphan.rejected_at is not None and orphan.quarantined
    assert client.get(url).status_code == 404


def test_only_the_data_quality_roles_see_the_quarantine(orphan, user_for) -> None:
    for username in ("nurse", "gp", "analyst", "finance", "privacy"):
        client = Client()
        client.force_login(user_for(username))
        assert client.get(reverse("record:quarantine")).status_code == 403, username


# ------------------------------------------------------------------------------------ 5. tokens


def _status(token: str) -> int:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/fhir/Patient").status_code


def test_tokens_expire_rotate_and_revoke(demo_directory) -> None:
    practice = Organisation.objects.get(code="DEMO-GP1")
    client_row, token = issue_client(name="gp-system", organisation=practice, role="coordinator")
    assert _status(token) == 200
    ApiClient.objects.filter(pk=client_row.pk).update(expires_at=timezone.now())
    assert _status(token) == 401
    client_row.refresh_from_db()
    new = rotate_client(client=client_row, days=30)
    assert _status(new) == 200 and _status(token) == 401
    revoke_client(client=client_row)
    assert _status(new) == 401
    assert AuditEvent.objects.filter(reason="API token rotated").exists()


def test_tokens_carry_only_api_client_roles(demo_directory) -> None:
    trust = Organisation.objects.get(code="DEMO-TRUST")
    for role in ("privacy_officer", "administrator", "finance_officer", "practitioner", "person"):
        with pytest.raises(TokenError, match="an API client acts as one of"):
            issue_client(name=f"x-{role}", organisation=trust, role=role)
    assert not ApiClient.objects.exists()


def test_reissuing_never_silently_keeps_or_changes_scope(demo_directory) -> None:
    trust = Organisation.objects.get(code="DEMO-TRUST")
    practice = Organisation.objects.get(code="DEMO-GP1")
    issue_client(name="system", organisation=trust, role="analyst")
    with pytest.raises(TokenError, match="change-scope"):
        issue_client(name="system", organisation=practice, role="coordinator")
    client_row, _ = issue_client(
        name="system", organisation=practice, role="coordinator", change_scope=True
    )
    client_row.user.refresh_from_db()
    assert (client_row.user.role, client_row.user.organisation) == ("coordinator", practice)
    event = AuditEvent.objects.filter(reason="API token issued").order_by("-id").first()
    assert event.details["previous"] == {"organisation": trust.code, "role": "analyst"}


def test_a_token_whose_user_was_given_another_role_is_refused(demo_directory) -> None:
    client_row, token = issue_client(
        name="system", organisation=Organisation.objects.get(code="DEMO-TRUST"), role="analyst"
    )
    User.objects.filter(pk=client_row.user_id).update(role=User.Role.PRIVACY_OFFICER)
    assert _status(token) == 401


def test_token_lifetime_is_bounded(demo_directory) -> None:
    trust = Organisation.objects.get(code="DEMO-TRUST")
    with pytest.raises(TokenError, match="between 1 and 366 days"):
        issue_client(name="forever", organisation=trust, role="analyst", days=10_000)
    client_row, _ = issue_client(name="short", organisation=trust, role="analyst", days=7)
    assert client_row.expires_at <= timezone.now() + timedelta(days=7)
