"""Import an Open Referral UK (HSDS 3.0 UK profile) feed file into the directory.

The file holds services in the ORUK `/services/{id}` full shape, each with its nested
`organization`, `service_at_locations[].location`, `contacts`, `schedules` and `attributes`
(taxonomy terms): a JSON list of them, or one `/services` page (`{"contents": [...]}`).

All or nothing per file (the shared per-file import transaction, `ingest.atomic`): every item is
checked first and any problem, named by file, item and field, changes nothing. Idempotent by the
feed's ids: a service whose content is unchanged since the last import is not written again."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils.dateparse import parse_datetime

from caretrust.directory.models import (
    DirectoryContact,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectorySchedule,
    DirectoryService,
    DirectoryServiceAtLocation,
)
from caretrust.ingest.atomic import import_atomically
from caretrust.ingest.report import FileResult, Problem

MAX_FEED_BYTES = 50 * 1024 * 1024
FREQUENCIES = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
STATUSES = set(DirectoryService.Status.values)


@dataclass
class _Checker:
    file: str
    index: int
    problems: list[Problem] = field(default_factory=list)

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(Problem(self.file, f"item {self.index}", path, reason))

    def text(self, obj: dict, key: str, path: str, *, required: bool = False, limit=250) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.problem(path, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(path, f"must be a string, not {type(value).__name__}")
            return ""
        if limit and len(value) > limit:
            self.problem(path, f"is longer than {limit} characters")
            return ""
        return value.strip()

    def integer(self, obj: dict, key: str, path: str) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
            self.problem(path, f"must be a whole number from 0, not {value!r}")
            return None
        return value

    def number(self, obj: dict, key: str, path: str, bound: float) -> float | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > bound:
            self.problem(path, f"must be a number between -{bound:g} and {bound:g}")
            return None
        return float(value)

    def day(self, obj: dict, key: str, path: str) -> date | None:
        value = obj.get(key)
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(path, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def moment(self, obj: dict, key: str, path: str) -> datetime | None:
        value = obj.get(key)
        if value in (None, ""):
            return None
        parsed = parse_datetime(str(value)) if isinstance(value, str) else None
        if parsed is None:
            self.problem(path, f"{value!r} is not a date and time (ISO 8601)")
        return parsed

    def objects(self, obj: dict, key: str, path: str) -> list[dict]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(path, "must be a list of objects")
            return []
        return value


def _hash(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _organisation(c: _Checker, data: Any) -> dict | None:
    if not isinstance(data, dict):
        c.problem("organization", "is required (the organisation that runs the service)")
        return None
    identifiers = c.objects(
        data, "organization_identifiers", "organization.organization_identifiers"
    )
    return {
        "oruk_id": c.text(data, "id", "organization.id", required=True),
        "name": c.text(data, "name", "organization.name", required=True),
        "alternate_name": c.text(data, "alternate_name", "organization.alternate_name"),
        "description": c.text(data, "description", "organization.description", limit=0),
        "email": c.text(data, "email", "organization.email"),
        "website": c.text(data, "website", "organization.website", limit=500),
        "identifiers": [
            {k: str(i.get(k, "")) for k in ("identifier_scheme", "identifier_type", "identifier")}
            for i in identifiers
        ],
    }


def _location(c: _Checker, data: Any, path: str) -> dict | None:
    if not isinstance(data, dict):
        c.problem(path, "is required (where the service is delivered)")
        return None
    return {
        "oruk_id": c.text(data, "id", f"{path}.id", required=True),
        "location_type": c.text(data, "location_type", f"{path}.location_type"),
        "name": c.text(data, "name", f"{path}.name"),
        "description": c.text(data, "description", f"{path}.description", limit=0),
        "latitude": c.number(data, "latitude", f"{path}.latitude", 90),
        "longitude": c.number(data, "longitude", f"{path}.longitude", 180),
        "addresses": [
            {k: str(v) for k, v in a.items() if k != "id" and isinstance(v, str | int)}
            | {"id": str(a.get("id", ""))}
            for a in c.objects(data, "addresses", f"{path}.addresses")
        ],
    }


def _schedule(c: _Checker, data: dict, path: str) -> dict:
    freq = c.text(data, "freq", f"{path}.freq")
    if freq and freq not in FREQUENCIES:
        c.problem(f"{path}.freq", f"{freq!r} is not an RFC 5545 frequency (e.g. WEEKLY)")
    times = {}
    for key in ("opens_at", "closes_at"):
        value = c.text(data, key, f"{path}.{key}")
        if value and not TIME.match(value):
            c.problem(f"{path}.{key}", f"{value!r} is not a time (HH:MM or HH:MM:SS)")
        times[key] = value
    return {
        "oruk_id": c.text(data, "id", f"{path}.id", required=True),
        "freq": freq,
        "interval": c.integer(data, "interval", f"{path}.interval"),
        "byday": c.text(data, "byday", f"{path}.byday", limit=50),
        "bymonthday": c.text(data, "bymonthday", f"{path}.bymonthday", limit=50),
        **times,
        "valid_from": c.day(data, "valid_from", f"{path}.valid_from"),
        "valid_to": c.day(data, "valid_to", f"{path}.valid_to"),
        "dtstart": c.day(data, "dtstart", f"{path}.dtstart"),
        "until": c.day(data, "until", f"{path}.until"),
        "description": c.text(data, "description", f"{path}.description", limit=0),
        "attending_type": c.text(data, "attending_type", f"{path}.attending_type"),
    }


def _contact(c: _Checker, data: dict, path: str) -> dict:
    phones = c.objects(data, "phones", f"{path}.phones")
    for n, phone in enumerate(phones):
        c.text(phone, "number", f"{path}.phones[{n}].number", required=True, limit=50)
    return {
        "oruk_id": c.text(data, "id", f"{path}.id", required=True),
        "name": c.text(data, "name", f"{path}.name"),
        "title": c.text(data, "title", f"{path}.title"),
        "department": c.text(data, "department", f"{path}.department"),
        "email": c.text(data, "email", f"{path}.email"),
        "phones": [
            {k: phone.get(k) for k in ("id", "number", "extension", "type", "description")}
            for phone in phones
        ],
    }


def _service(c: _Checker, item: Any) -> dict | None:
    if not isinstance(item, dict):
        c.problem("", "must be a service (a JSON object)")
        return None
    status = c.text(item, "status", "status") or "active"
    if status not in STATUSES:
        c.problem("status", f"{status!r} is not one of {', '.join(sorted(STATUSES))}")
    minimum, maximum = (
        c.integer(item, "minimum_age", "minimum_age"),
        c.integer(item, "maximum_age", "maximum_age"),
    )
    if minimum is not None and maximum is not None and minimum > maximum:
        c.problem("maximum_age", f"{maximum} is below the minimum age {minimum}")
    attributes = c.objects(item, "attributes", "attributes")
    for n, attribute in enumerate(attributes):
        term = attribute.get("taxonomy_term")
        if not isinstance(term, dict) or not isinstance(term.get("name"), str):
            c.problem(f"attributes[{n}].taxonomy_term.name", "is required (the category's name)")
    sals = []
    for n, sal in enumerate(c.objects(item, "service_at_locations", "service_at_locations")):
        path = f"service_at_locations[{n}]"
        sals.append(
            {
                "oruk_id": c.text(sal, "id", f"{path}.id", required=True),
                "description": c.text(sal, "description", f"{path}.description", limit=0),
                "location": _location(c, sal.get("location"), f"{path}.location"),
            }
        )
    service = {
        "oruk_id": c.text(item, "id", "id", required=True),
        "name": c.text(item, "name", "name", required=True),
        "alternate_name": c.text(item, "alternate_name", "alternate_name"),
        "description": c.text(item, "description", "description", limit=0),
        "url": c.text(item, "url", "url", limit=500),
        "email": c.text(item, "email", "email"),
        "status": status,
        "application_process": c.text(item, "application_process", "application_process", limit=0),
        "fees_description": c.text(item, "fees_description", "fees_description", limit=0),
        "eligibility_description": c.text(
            item, "eligibility_description", "eligibility_description", limit=0
        ),
        "minimum_age": minimum,
        "maximum_age": maximum,
        "assured_date": c.day(item, "assured_date", "assured_date"),
        "alert": c.text(item, "alert", "alert", limit=0),
        "last_modified": c.moment(item, "last_modified", "last_modified"),
        "attributes": attributes,
    }
    return {
        "service": service,
        "organization": _organisation(c, item.get("organization")),
        "contacts": [
            _contact(c, contact, f"contacts[{n}]")
            for n, contact in enumerate(c.objects(item, "contacts", "contacts"))
        ],
        "schedules": [
            _schedule(c, schedule, f"schedules[{n}]")
            for n, schedule in enumerate(c.objects(item, "schedules", "schedules"))
        ],
        "service_at_locations": sals,
        "hash": _hash(item),
    }


def read_feed(path: Path) -> tuple[list[dict], list[Problem]]:
    """Check every item of the feed; return them cleaned, or the problems (file, item, field)."""
    name = path.name
    if path.stat().st_size > MAX_FEED_BYTES:
        return [], [Problem(name, "file", "", f"is larger than {MAX_FEED_BYTES // 2**20} MB")]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [], [Problem(name, "file", "", f"is not JSON: {error}")]
    if isinstance(data, dict) and "contents" in data:
        data = data["contents"]
    if not isinstance(data, list):
        return [], [
            Problem(name, "file", "", "must be a list of services or a /services page (contents)")
        ]
    cleaned: list[dict] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        checker = _Checker(name, index)
        parsed = _service(checker, item)
        if parsed is not None and parsed["service"]["oruk_id"]:
            service_id = parsed["service"]["oruk_id"]
            if service_id in seen:
                checker.problem("id", f"{service_id!r} is also item {seen[service_id]}")
            seen.setdefault(service_id, index)
        problems.extend(checker.problems)
        if parsed is not None:
            cleaned.append(parsed)
    return cleaned, problems


def _partner_organisation(identifiers: list[dict], oruk_id: str):
    from caretrust.organisations.models import Organisation

    codes = {i["identifier"] for i in identifiers if i.get("identifier")} | {oruk_id}
    return Organisation.objects.filter(code__in=codes).order_by("pk").first()


def _upsert(model, oruk_id: str, values: dict) -> Any:
    values = {**values, "content_hash": _hash(values)}
    row = model.objects.filter(oruk_id=oruk_id).first()
    if row is None:
        return model.objects.create(oruk_id=oruk_id, **values)
    if row.content_hash != values["content_hash"]:
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
    return row


def _write(items: list[dict], result: FileResult) -> None:
    for item in items:
        org_values = dict(item["organization"])
        org_id = org_values.pop("oruk_id")
        organisation = _upsert(DirectoryOrganisation, org_id, org_values)
        partner = _partner_organisation(organisation.identifiers, org_id)
        if organisation.organisation_id != (partner.pk if partner else None):
            organisation.organisation = partner
            organisation.save(update_fields=["organisation"])
        values = dict(item["service"])
        service_id = values.pop("oruk_id")
        service = DirectoryService.objects.filter(oruk_id=service_id).first()
        if service is not None and service.content_hash == item["hash"]:
            result.unchanged += 1
            continue
        values["organization"] = organisation
        values["content_hash"] = item["hash"]
        values["category_names"] = (
            "|"
            + "|".join(a["taxonomy_term"]["name"].strip().lower() for a in values["attributes"])
            + "|"
        )
        if service is None:
            service = DirectoryService.objects.create(oruk_id=service_id, **values)
            result.inserted += 1
        else:
            for key, value in values.items():
                setattr(service, key, value)
            service.save()
            service.contacts.all().delete()
            service.schedules.all().delete()
            service.service_at_locations.all().delete()
            result.updated += 1
        DirectoryContact.objects.bulk_create(
            DirectoryContact(service=service, **contact) for contact in item["contacts"]
        )
        DirectorySchedule.objects.bulk_create(
            DirectorySchedule(service=service, **schedule) for schedule in item["schedules"]
        )
        for sal in item["service_at_locations"]:
            location_values = dict(sal["location"])
            location = _upsert(DirectoryLocation, location_values.pop("oruk_id"), location_values)
            DirectoryServiceAtLocation.objects.create(
                service=service,
                location=location,
                oruk_id=sal["oruk_id"],
                description=sal["description"],
            )


def import_feed(path: Path) -> FileResult:
    """Import one feed file, all or nothing; the result says what changed or what is wrong."""
    result = FileResult(file=str(path))
    items, problems = read_feed(path)
    result.read = len(items)
    if problems:
        result.problems.extend(problems)
        result.rejected = len({p.location for p in problems if p.location != "file"})
        result.committed = False
        return result
    return import_atomically(
        path,
        result,
        label="Open Referral UK import",
        skip_invalid=False,
        read=lambda: _write(items, result),
        details={"format": "oruk"},
    )
