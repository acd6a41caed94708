"""The directory in Open Referral UK API shapes (HSDS 3.0 UK profile): `/` (API info), pages
(ORUK pagination header and `contents`) of services, organizations, service_at_locations,
taxonomies and taxonomy terms, and each one by id."""

from __future__ import annotations

from math import ceil
from typing import Any

from caretrust.directory.models import (
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceAtLocation,
)

VERSION = "3.0"
PROFILE = "https://ref.openreferral.org/uk/3.0"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


def api_info() -> dict[str, Any]:
    return {"version": VERSION, "profile": PROFILE, "openapi_url": OPENAPI_URL}


def _organization(service: DirectoryService) -> dict[str, Any]:
    return organization_summary(service.organization)


def organization_summary(org: DirectoryOrganisation) -> dict[str, Any]:
    """An organization's direct properties (what an `/organizations` page lists)."""
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


def service_summary(service: DirectoryService, *, organization: bool = True) -> dict[str, Any]:
    """A service's direct properties (what a `/services` page lists), with its organisation."""
    summary = {
        "id": service.oruk_id,
        "organization_id": service.organization.oruk_id,
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
    }
    if organization:
        summary["organization"] = _organization(service)
    return summary


def _location(sal: DirectoryServiceAtLocation) -> dict[str, Any]:
    location = sal.location
    return {
        "id": location.oruk_id,
        "location_type": location.location_type or None,
        "name": location.name or None,
        "description": location.description or None,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "addresses": location.addresses,
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
                "service_id": service.oruk_id,
                "location_id": sal.location.oruk_id,
                "description": sal.description or None,
                "location": _location(sal),
            }
            for sal in service.service_at_locations.all()
        ],
        "attributes": service.attributes,
    }


def organization_full(
    org: DirectoryOrganisation, services: list[DirectoryService], *, full_service: bool
) -> dict[str, Any]:
    """`/organizations/{id}`: the organization with its services, each in brief (HSDS: "could
    only contain the service.id") or, with `full_service`, in full."""
    return {
        **organization_summary(org),
        "services": [
            service_full(s) if full_service else service_summary(s, organization=False)
            for s in services
        ],
    }


def service_at_location_summary(sal: DirectoryServiceAtLocation) -> dict[str, Any]:
    """A `/service_at_locations` item: its ids and description, with its service and location."""
    return {
        "id": sal.oruk_id,
        "service_id": sal.service.oruk_id,
        "location_id": sal.location.oruk_id,
        "description": sal.description or None,
        "service": service_summary(sal.service),
        "location": _location(sal),
    }


def service_at_location_full(sal: DirectoryServiceAtLocation) -> dict[str, Any]:
    """`/service_at_locations/{id}`: as listed, the service in full (contacts, schedules,
    attributes). caretrust keeps contacts and schedules on the service, so the service's are
    given; the link itself carries none of its own."""
    return {
        **service_at_location_summary(sal),
        "service": service_full(sal.service),
        "contacts": [],
        "schedules": [],
    }


def taxonomy_term(term: dict[str, Any], *, taxonomy: dict[str, Any] | None = None) -> dict:
    """A taxonomy term (HSDS 3.0 `taxonomy_term`; `term` repeats `name` for the UK profile's
    name for it); with its taxonomy as `taxonomy_detail` when given."""
    shown = {k: v for k, v in term.items() if not k.startswith("_")}
    shown["term"] = shown["name"]
    if taxonomy is not None:
        shown["taxonomy_detail"] = taxonomy
    return shown


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
