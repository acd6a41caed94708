"""`caretrust export parquet DIR`: the linked shared record as the Parquet tables of
docs/data-contract.md, for `caretrust.population`.

One row per person (the survivor of any merge; records of merged-away people count for the
survivor). People who opted out of secondary use (National Data Opt-out) are left out of every
table. Tables are written in batches, so memory stays flat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from caretrust.contract import SCHEMAS
from caretrust.optout import selectors as optout
from caretrust.people import nhs_number
from caretrust.people.models import Person, PersonIdentifier
from caretrust.record.models import AboutMe, Resource, SocialCareEvent

BATCH = 20_000
ICD10 = "http://hl7.org/fhir/sid/icd-10"
BNF = "https://www.nhsbsa.nhs.uk/bnf-section"
ADMISSION_METHOD_EXT = "Extension-UKCore-AdmissionMethod"
# Data Dictionary discharge destination codes to the contract's categories. 65 is local authority
# residential accommodation; 85 (non-NHS, other than local authority, run care home) is where most
# nursing-home residents go and 54 (NHS run care home) is nursing care too: both are nursing_care.
DESTINATIONS = {
    "19": "home",
    "65": "residential_care",
    "54": "nursing_care",
    "85": "nursing_care",
    "79": "died",
}

# ---- lives_alone -------------------------------------------------------------------------------
# The record holds three kinds of evidence about whether someone lives alone; none is a household
# register, so the rule is: the NEWEST dated piece of evidence decides, and with none the person
# is exported as not living alone (false means "not recorded as living alone", as with any coded
# eFI deficit; the synthetic source codes it for about half of those 65+ who do).
#   1. A coded FHIR Condition (the GP problem list): SNOMED 105529008 "Lives alone" says true;
#      248171000000108 "Lives in care home" says false. Dated by onset (else recorded) date.
#      Conditions marked inactive/resolved, refuted or entered in error are not evidence.
#   2. An open long-term residential or nursing care service in the council's CLD: someone in a
#      care home does not live alone (false), dated by the service's start.
#   3. The person's current "About me" answer to "Who I live with" (dated when it was written): an
#      answer saying they live alone ("alone", "on my own", "by myself", "nobody", ...) is true;
#      any other answer names who they live with, so false.
# On the same day, false wins: a care home move coded the day the old code was, say, confirmed.
SNOMED = "http://snomed.info/sct"
LIVES_ALONE_CODES = {"105529008": True, "248171000000108": False}
CARE_HOME_SERVICES = ("long_term_residential", "long_term_nursing")
NOT_CURRENT_CLINICAL = {"inactive", "resolved", "remission"}
NOT_CONFIRMED = {"refuted", "entered-in-error"}
_ALONE = re.compile(
    r"\b(alone|on (my|his|her|their) own|by (my|him|her|them)sel(f|ves)|nobody|no[ -]one|"
    r"just me)\b"
)
_NOT_ALONE = re.compile(r"\bnot alone\b")


def lives_alone_answer(lives_with: str) -> bool | None:
    """What an About me "Who I live with" answer says: True alone, False with someone, None blank."""
    text = " ".join(lives_with.lower().split())
    if not text:
        return None
    return bool(_ALONE.search(text)) and not _NOT_ALONE.search(text)


def _status_code(concept) -> str:
    return _coding(concept).get("code", "") if concept else ""


def condition_lives_alone(content: dict) -> bool | None:
    """What a Condition says about living alone (see the rule above), None when nothing."""
    if _status_code(content.get("clinicalStatus")) in NOT_CURRENT_CLINICAL:
        return None
    if _status_code(content.get("verificationStatus")) in NOT_CONFIRMED:
        return None
    for coding in (content.get("code") or {}).get("coding") or []:
        if coding.get("system") == SNOMED and coding.get("code") in LIVES_ALONE_CODES:
            return LIVES_ALONE_CODES[coding["code"]]
    return None


class _LivingEvidence:
    """The newest evidence per exported person (see the rule above)."""

    def __init__(self) -> None:
        self._newest: dict[str, tuple[date, bool]] = {}

    def add(self, key: str | None, day: date | None, alone: bool | None) -> None:
        if key is None or alone is None:
            return
        day = day or date.min  # undated evidence still counts, below anything dated
        held = self._newest.get(key)
        # tuples compare by date, then False < True: on the same day False is kept
        if held is None or (day, not alone) > (held[0], not held[1]):
            self._newest[key] = (day, alone)

    def lives_alone(self, key: str) -> bool:
        held = self._newest.get(key)
        return held[1] if held else False


@dataclass
class ExportStats:
    rows: dict[str, int] = field(default_factory=dict)
    left_out_opted_out: int = 0  # outside the cleared cohort or opted out locally
    ndop_cleared_on: date | None = None


class _Writer:
    def __init__(self, out: Path, name: str) -> None:
        self.path = out / f"{name}.parquet"
        self.schema = SCHEMAS[name]
        self.rows: list[dict] = []
        self.count = 0
        self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.count += len(self.rows)
            self.rows = []

    def close(self) -> int:
        self.flush()
        self.writer.close()
        return self.count


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _coding(concept, system: str | None = None) -> dict:
    concepts = concept if isinstance(concept, list) else [concept]
    for c in concepts:
        for coding in (c or {}).get("coding") or []:
            if system is None or coding.get("system") == system:
                return coding
    return {}


def encounter_row(person_id: str, resource: Resource) -> dict:
    content = resource.content
    period = content.get("period") or {}
    klass = (content.get("class") or {}).get("code", "")
    hospitalization = content.get("hospitalization") or {}
    method = ""
    for extension in hospitalization.get("extension") or []:
        if ADMISSION_METHOD_EXT in extension.get("url", ""):
            method = _coding(extension.get("valueCodeableConcept")).get("code", "")
    if klass == "IMP":
        kind = "elective_admission" if method.startswith("1") else "emergency_admission"
    elif klass == "EMER":
        kind = "ae"
    else:
        kind = "gp"
    reasons = [
        _coding(r, ICD10).get("code")
        for r in content.get("reasonCode") or []
        if _coding(r, ICD10).get("code")
    ]
    destination_code = _coding(hospitalization.get("dischargeDisposition")).get("code")
    start = _date(period.get("start"))
    return {
        "person_id": person_id,
        "encounter_id": resource.logical_id,
        "kind": kind,
        "start_date": start,
        "end_date": _date(period.get("end")) or start,
        "primary_diagnosis": reasons[0] if reasons else None,
        "external_cause": reasons[1] if len(reasons) > 1 else None,
        "is_transfer": method == "81",
        "discharge_destination": DESTINATIONS.get(destination_code, "other")
        if destination_code
        else None,
        "discharge_destination_code": destination_code,
    }


def _survivor_keys(cleared: set[int], opted_out: set[int]) -> dict[int, str | None]:
    """person pk → exported person_id (the survivor's ref); None when the person (or the record
    they were merged into) is outside the cleared National Data Opt-out cohort or opted out."""
    parents: dict[int, int | None] = {}
    refs: dict[int, str] = {}
    for pk, merged_into, ref in Person.objects.values_list("pk", "merged_into_id", "ref").iterator(
        chunk_size=50_000
    ):
        parents[pk] = merged_into
        refs[pk] = str(ref)
    roots: dict[int, int] = {}
    for pk in parents:
        root, seen = pk, 0
        while parents.get(root) is not None and seen < 50:
            root, seen = parents[root], seen + 1
        roots[pk] = root
    # A merged record's NHS number may sit on any of its members: cleared if one is, and left
    # out if any member opted out locally.
    allowed = {roots[pk] for pk in cleared if pk in roots} - {
        roots[pk] for pk in opted_out if pk in roots
    }
    return {pk: refs[root] if root in allowed else None for pk, root in roots.items()}


def _resources(resource_type: str) -> Iterator[Resource]:
    return (
        Resource.objects.filter(resource_type=resource_type, person__isnull=False)
        .only("person_id", "logical_id", "content")
        .iterator(chunk_size=5000)
    )


def export_parquet(out: Path, *, area: str = "") -> ExportStats:
    # Secondary use: only people the National Data Opt-out check cleared, and only while that
    # check is current (ADR 87); StaleCohort says what to do otherwise.
    cohort = optout.current_cohort("analyst extract")
    out.mkdir(parents=True, exist_ok=True)
    stats = ExportStats(ndop_cleared_on=cohort.cleared_on)
    opted_out = set(
        Person.objects.filter(opted_out_of_secondary_use=True).values_list("pk", flat=True)
    )
    keys = _survivor_keys(set(optout.cleared_people(cohort)), opted_out)
    survivors = Person.objects.filter(merged_into__isnull=True)
    exported = {pk for pk, key in keys.items() if key is not None}
    stats.left_out_opted_out = sum(
        1 for pk in survivors.values_list("pk", flat=True).iterator() if pk not in exported
    )
    numbers = dict(
        PersonIdentifier.objects.filter(system=nhs_number.SYSTEM).values_list("person_id", "value")
    )
    carers = set(
        Resource.objects.filter(resource_type="RelatedPerson", person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    carers |= set(
        SocialCareEvent.objects.filter(client_type="carer").values_list("person_id", flat=True)
    )
    merged_into_survivor: dict[str, list[int]] = {}
    for pk, key in keys.items():
        if key is not None:
            merged_into_survivor.setdefault(key, []).append(pk)

    # Conditions first: they carry most of the living-alone evidence the people table needs.
    living = _LivingEvidence()
    conditions = _Writer(out, "conditions")
    for resource in _resources("Condition"):
        key = keys.get(resource.person_id)
        coding = _coding(resource.content.get("code"))
        if key is None or not coding:
            continue
        content = resource.content
        onset = _date(content.get("onsetDateTime") or content.get("recordedDate"))
        living.add(key, onset, condition_lives_alone(content))
        conditions.add(
            {
                "person_id": key,
                "code_system": coding.get("system"),
                "code": coding.get("code"),
                "display": coding.get("display"),
                "onset_date": onset,
            }
        )
    stats.rows["conditions"] = conditions.close()

    for pk, start in SocialCareEvent.objects.filter(
        event_type="service", service_type__in=CARE_HOME_SERVICES, end_date__isnull=True
    ).values_list("person_id", "start_date"):
        living.add(keys.get(pk), start, False)
    latest_about: dict[int, AboutMe] = {}
    for about in AboutMe.objects.only("person_id", "version", "lives_with", "written_at"):
        held = latest_about.get(about.person_id)
        if held is None or about.version > held.version:
            latest_about[about.person_id] = about
    for about in latest_about.values():
        living.add(
            keys.get(about.person_id),
            about.written_at.date(),
            lives_alone_answer(about.lives_with),
        )

    people = _Writer(out, "people")
    for person in survivors.select_related("gp_practice__locality").iterator(chunk_size=5000):
        key = keys[person.pk]
        if key is None:
            continue
        members = merged_into_survivor.get(key, [person.pk])
        number = next((numbers[m] for m in members if m in numbers), None)
        practice = person.gp_practice
        people.add(
            {
                "person_id": key,
                "nhs_number": number,
                "sex": person.sex if person.sex in ("female", "male") else None,
                "birth_date": person.birth_date,
                "death_date": person.death_date,
                "area": area or None,
                "locality": practice.locality.code if practice and practice.locality else None,
                "gp_practice": practice.code if practice else None,
                "postcode": person.postcode or None,
                "lives_alone": living.lives_alone(key),
                "has_unpaid_carer": any(m in carers for m in members),
                "opted_out": False,
            }
        )
    stats.rows["people"] = people.close()

    encounters = _Writer(out, "encounters")
    for resource in _resources("Encounter"):
        key = keys.get(resource.person_id)
        if key is not None:
            encounters.add(encounter_row(key, resource))
    stats.rows["encounters"] = encounters.close()

    prescriptions = _Writer(out, "prescriptions")
    for resource in _resources("MedicationRequest"):
        key = keys.get(resource.person_id)
        coding = _coding(resource.content.get("medicationCodeableConcept"), BNF)
        if key is None or not coding:
            continue
        # A repeat prescription gives its first and last issue; each becomes a row.
        validity = (resource.content.get("dispenseRequest") or {}).get("validityPeriod") or {}
        issued = {_date(resource.content.get("authoredOn")), _date(validity.get("end"))}
        for day in sorted(d for d in issued if d):
            prescriptions.add({"person_id": key, "drug_class": coding["code"], "issue_date": day})
    stats.rows["prescriptions"] = prescriptions.close()

    social = _Writer(out, "social_care_events")
    for event in SocialCareEvent.objects.iterator(chunk_size=5000):
        key = keys.get(event.person_id)
        if key is None:
            continue
        social.add(
            {
                "person_id": key,
                "event_id": event.event_reference or event.event_key[:16],
                "la_code": event.la_code,
                "event_type": event.event_type,
                "start_date": event.start_date,
                "end_date": event.end_date,
                "client_type": event.client_type,
                "request_route_of_access": event.request_route_of_access or None,
                "assessment_type": event.assessment_type or None,
                "eligible_needs_identified": event.eligible_needs_identified,
                "service_type": event.service_type or None,
                "service_component": event.service_component or None,
                "delivery_mechanism": event.delivery_mechanism or None,
                "unit_cost": float(event.unit_cost) if event.unit_cost is not None else None,
                "cost_frequency_unit_type": event.cost_frequency_unit_type or None,
                "planned_units_per_week": float(event.planned_units_per_week)
                if event.planned_units_per_week is not None
                else None,
                "event_outcome": event.event_outcome or None,
            }
        )
    stats.rows["social_care_events"] = social.close()
    optout.mark_extract(out, cohort)
    return stats
