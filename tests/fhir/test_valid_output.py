"""Valid output (issue #19 item 5, ADR 0122): every resource the API serves about a record made
by the services (referral, assessment, care plan and team, to-do task) and by the synthetic
generator (Patient, Encounter, Condition, MedicationRequest, imported) validates as FHIR R4 with
fhir.resources (R4B models) and with the npm `fhir` package's base R4 definitions, and meets the
required elements of the UK Core profile it claims; staff are `Practitioner/<fhir_id>`, and every
reference to a practitioner resolves."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from caretrust.fhir.practitioners import PractitionerHandler
from caretrust.fhir.profiles import claimed_profiles, profile_problems
from caretrust.fhir.registry import FhirContext, Forbidden, NotFound
from caretrust.fhir.services import issue_client
from caretrust.ingest.fhir_import import FhirImporter, order_paths
from caretrust.organisations.models import Organisation, User
from caretrust.people.models import Person
from caretrust.referrals import fhir as referrals_fhir
from caretrust.synthetic import SyntheticConfig
from caretrust.synthetic.output import write
from caretrust.workspace import services as workspace
from caretrust.workspace.fhir_handlers import to_fhir as todo_task
from tests.factories import demo_user, force_update, make_plan

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = Path(__file__).with_name("validate_r4.mjs")
GENERATED_TYPES = ("Patient", "Encounter", "Condition", "MedicationRequest")

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def validate_r4_with_npm(resources: list[dict], folder: Path) -> list[dict]:
    """The npm `fhir` package's verdict on each resource (tests/fhir/validate_r4.mjs)."""
    assert shutil.which("node"), "Node.js is needed (Debian's nodejs)"
    assert (REPO / "node_modules" / "fhir").is_dir(), "run `npm ci` (make assets) first"
    path = folder / "served.json"
    path.write_text(json.dumps(resources))
    run = subprocess.run(
        ["node", str(VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def _references(value, found: list[str]) -> list[str]:
    if isinstance(value, list):
        for child in value:
            _references(child, found)
    elif isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            found.append(value["reference"])
        for child in value.values():
            _references(child, found)
    return found


@pytest.fixture
def served(client, demo_directory, tmp_path):
    """Everything the API serves about a services-made record and 8 generated people, as a GP
    practice's system reads it: the services' person's $everything (with the referral the
    practice sent), a search of each generated type, then three of each type read by id."""
    plan = make_plan()
    todo = workspace.create_task(
        actor=demo_user("coordinator"),
        person=plan.person,
        title="Check the bath board is fitted",
        due_date=date.today() + timedelta(days=7),
        assigned_user=demo_user("ot"),
    )
    generated = tmp_path / "generated"
    write(
        SyntheticConfig(people=8, comparison_people=1, years=3, seed=5, start=date(2021, 4, 1)),
        generated,
        formats=("fhir",),
    )
    importer = FhirImporter(source="gp")
    for path in order_paths(sorted((generated / "fhir").glob("*.ndjson"))):
        result = importer.import_file(path)
        assert result.committed and not result.problems, result.problems
    practice = Organisation.objects.get(code="DEMO-GP1")
    force_update(Person.objects.all(), gp_practice=practice)
    _row, token = issue_client(name="valid-output", organisation=practice, role="coordinator")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    sent = client.post(
        "/fhir/ServiceRequest",
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{plan.person.ref}"},
            "reasonCode": [{"text": "Fell at home twice this week; lives alone."}],
        },
        content_type="application/fhir+json",
        **auth,
    )
    assert sent.status_code == 201, sent.content

    def get(path: str, **params):
        response = client.get(f"/fhir/{path}", params, **auth)
        assert response.status_code == 200, (path, response.content[:300])
        return response.json()

    resources: dict[tuple[str, str], dict] = {}
    searches = [(f"Patient/{plan.person.ref}/$everything", {})] + [
        (resource_type, {}) for resource_type in GENERATED_TYPES
    ]
    for path, params in searches:
        for entry in get(path, _count="500", **params).get("entry", []):
            resource = entry["resource"]
            resources[(resource["resourceType"], resource["id"])] = resource
    read_by_id: Counter = Counter()
    for resource_type, resource_id in list(resources):
        read_by_id[resource_type] += 1
        if read_by_id[resource_type] <= 3:  # a read serves what $everything does; a sample
            resources[(resource_type, resource_id)] = get(f"{resource_type}/{resource_id}")
    for entry in get("Practitioner", _count="100")["entry"]:
        resources[("Practitioner", entry["resource"]["id"])] = entry["resource"]
    resources[("Group", "practice-DEMO-GP1")] = get("Group/practice-DEMO-GP1")
    resources[("CapabilityStatement", "metadata")] = get("metadata")
    # What the services made that this practice's system may not read (the referral another
    # team routed, a to-do between colleagues), as their handlers serve it to those who may.
    for resource in (
        referrals_fhir.service_request(plan.referral).model_dump(mode="json", exclude_none=True),
        referrals_fhir.task(plan.referral).model_dump(mode="json", exclude_none=True),
        todo_task(todo),
    ):
        resources[(resource["resourceType"], resource["id"])] = resource
    return {"resources": list(resources.values()), "get": get, "plan": plan}


def test_every_served_resource_is_valid_r4_and_meets_its_ukcore_profile(served, tmp_path):
    resources = served["resources"]
    types = Counter(r["resourceType"] for r in resources)
    # the services' record, the generator's health record, staff and the API's own
    assert {
        "Patient",
        "Encounter",
        "Condition",
        "MedicationRequest",
        "ServiceRequest",
        "Task",
        "CarePlan",
        "CareTeam",
        "QuestionnaireResponse",
        "Practitioner",
        "Group",
        "CapabilityStatement",
    } <= set(types), types
    assert types["MedicationRequest"] > 0 and types["Practitioner"] >= 10
    assert types["Task"] == 3 and types["ServiceRequest"] == 2

    for resource in resources:  # fhir.resources' R4B models
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    verdicts = validate_r4_with_npm(resources, tmp_path)  # base R4, as the npm package has it
    assert len(verdicts) == len(resources)
    assert [v for v in verdicts if not v["valid"]] == []

    profiled = [r for r in resources if claimed_profiles(r)]
    assert {r["resourceType"] for r in profiled} >= {
        "Patient",
        "MedicationRequest",
        "Practitioner",
    }
    capability = next(r for r in resources if r["resourceType"] == "CapabilityStatement")
    declared = {e["type"]: e for e in capability["rest"][0]["resource"]}
    assert {"read", "search-type"} <= {i["code"] for i in declared["Practitioner"]["interaction"]}
    assert "UKCore-Practitioner" in declared["Practitioner"]["supportedProfile"][0]

    problems = {
        f"{r['resourceType']}/{r['id']}": profile_problems(r)
        for r in profiled
        if profile_problems(r)
    }
    assert problems == {}


def test_staff_are_practitioners_whose_references_resolve(served):
    resources, get, plan = served["resources"], served["get"], served["plan"]
    practitioners = {
        ref for r in resources for ref in _references(r, []) if ref.startswith("Practitioner/")
    }
    care_team = next(r for r in resources if r["resourceType"] == "CareTeam")
    members = {p["member"].get("reference") for p in care_team["participant"]}
    assert f"Practitioner/{demo_user('ot').fhir_id}" in members
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse")
    assert response["author"]["reference"] == f"Practitioner/{demo_user('ot').fhir_id}"
    assert practitioners, "nothing served names a practitioner"
    usernames = set(User.objects.values_list("username", flat=True))
    for reference in practitioners:
        assert reference.split("/", 1)[1] not in usernames, reference
        read = get(reference)
        assert read["resourceType"] == "Practitioner"
        assert read["id"] == reference.split("/", 1)[1]

    care_plan = next(r for r in resources if r["resourceType"] == "CarePlan")
    assert "basedOn" not in care_plan
    assert {"reference": f"ServiceRequest/{plan.referral.uuid}"} in care_plan["supportingInfo"]


def test_a_practitioner_is_staff_directory_information_read_by_staff_only(client, demo_directory):
    ot = demo_user("ot")
    handler = PractitionerHandler()
    staff = FhirContext(user=demo_user("coordinator"), base_url="http://testserver/fhir")
    read = handler.read(staff, str(ot.fhir_id)).resource
    assert read["name"][0]["family"] == ot.last_name
    assert read["qualification"][0]["code"]["text"] == "Occupational therapist"
    assert read["qualification"][0]["issuer"]["identifier"]["value"] == ot.organisation.code

    with pytest.raises(NotFound):
        handler.read(staff, "ot")  # a user name is not an id
    with pytest.raises(NotFound):  # a portal account is not a practitioner
        handler.read(staff, str(User.objects.get(username="edith").fhir_id))
    person = FhirContext(user=User.objects.get(username="edith"), base_url="http://x/fhir")
    with pytest.raises(Forbidden):
        handler.read(person, str(ot.fhir_id))

    found = handler.search(staff, _params({"family": ["Shah"]})).matches
    assert [m.resource["name"][0]["text"] for m in found] == ["Priya Shah"]


def test_every_user_has_a_distinct_stable_fhir_id(demo_directory):
    ids = list(User.objects.values_list("fhir_id", flat=True))
    assert all(ids) and len(set(ids)) == len(ids)
    ot = demo_user("ot")
    before = ot.fhir_id
    ot.first_name = "Renamed"
    ot.save()
    ot.refresh_from_db()
    assert ot.fhir_id == before


def _params(values: dict):
    from caretrust.fhir.registry import SearchParams

    return SearchParams(params=values)
