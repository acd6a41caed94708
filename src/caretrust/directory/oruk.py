"""The directory in Open Referral UK API shapes (HSDS 3.0 UK profile): `/` (API info), a
`/services` page (ORUK pagination header and `contents`) and `/services/{id}` (a full service)."""

from __future__ import annotations

from math import ceil
from typing import Any

from caretrust.directory.models import DirectoryService

VERSION = "3.0"
PROFILE = "https://ref.openreferral.org/uk/3.0"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


def api_info() -> dict[str, Any]:
    return {"version": VERSION, "profile": PROFILE, "openapi_url": OPENAPI_URL}


def _organization(service: DirectoryService) -> dict[str, Any]:
    org = service.organization
    return {
        "id": org.oruk_id,
        "name": org.name,
        "alternate_name": org.alternate_name or None,
        "description": org.description,
        "email": org.email or None,
        "website": org.website or None,
        "organization_identifiers": org.identifiers,
    }


def _date(value) -> str | None:
    return value.isoformat() if value else None


def service_summary(service: DirectoryService) -> dict[str, Any]:
    """A service's direct properties (what a `/services` page lists), with its organisation."""
    return {
        "id": service.oruk_id,
        "name": service.name,
        "alternate_name": service.alternate_name or None,
        "description": service.description,
        "url": service.url or None,
        "email": service.email or None,
        "status": service.status,
        "application_process": service.application_process or None,
        "fees_description": service.fees_description or None,
        "eligibility_description": service.eligibility_description or None,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "assured_date": _date(service.assured_date),
        "alert": service.alert or None,
        "last_modified": _date(service.last_modified),
        "organization": _organization(service),
    }


def service_full(service: DirectoryService) -> dict[str, Any]:
    """`/services/{id}`: the service with its contacts, schedules, locations and categories."""
    return {
        **service_summary(service),
        "contacts": [
            {
                "id": c.oruk_id,
                "name": c.name or None,
                "title": c.title or None,
                "department": c.department or None,
                "email": c.email or None,
                "phones": c.phones,
            }
            for c in service.contacts.all()
        ],
        "schedules": [
            {
                "id": s.oruk_id,
                "freq": s.freq or None,
                "interval": s.interval,
                "byday": s.byday or None,
                "bymonthday": s.bymonthday or None,
                "opens_at": s.opens_at or None,
                "closes_at": s.closes_at or None,
                "valid_from": _date(s.valid_from),
                "valid_to": _date(s.valid_to),
                "dtstart": _date(s.dtstart),
                "until": _date(s.until),
                "description": s.description or None,
                "attending_type": s.attending_type or None,
            }
            for s in service.schedules.all()
        ],
        "service_at_locations": [
            {
                "id": sal.oruk_id,
                "description": sal.description or None,
                "location": {
                    "id": sal.location.oruk_id,
                    "location_type": sal.location.location_type or None,
                    "name": sal.location.name or None,
                    "description": sal.location.description or None,
                    "latitude": sal.location.latitude,
                    "longitude": sal.location.longitude,
                    "addresses": sal.location.addresses,
                },
            }
            for sal in service.service_at_locations.all()
        ],
        "attributes": service.attributes,
    }


def page(items: list[Any], *, total: int, page_number: int, size: int) -> dict[str, Any]:
    """The ORUK list header, then `contents`."""
    total_pages = ceil(total / size) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": size,
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not items,
        "contents": items,
    }
