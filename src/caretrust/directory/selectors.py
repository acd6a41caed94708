"""Reads of the directory: the co-ordinator's search and the ORUK API's pages. The directory
holds no personal data, so reads are not audited as person reads."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from caretrust.directory.models import (
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceAtLocation,
)

MAX_TEXT = 200


def services(
    *, text: str = "", category: str = "", active_only: bool = False
) -> QuerySet[DirectoryService]:
    """Services whose name, description, eligibility or organisation match `text` (every word),
    in `category` (a taxonomy term's name), by name."""
    found = DirectoryService.objects.select_related("organization")
    for word in (text or "")[:MAX_TEXT].split()[:10]:
        found = found.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(eligibility_description__icontains=word)
            | Q(organization__name__icontains=word)
            | Q(category_names__icontains=word)
        )
    if category:
        found = found.filter(category_names__icontains=f"|{category.strip().lower()}|")
    if active_only:
        found = found.filter(status=DirectoryService.Status.ACTIVE)
    return found.order_by("name", "pk")


def with_details(queryset: QuerySet[DirectoryService]) -> QuerySet[DirectoryService]:
    return queryset.prefetch_related(
        "contacts",
        "schedules",
        Prefetch(
            "service_at_locations",
            queryset=DirectoryServiceAtLocation.objects.select_related("location"),
        ),
    )


def categories() -> list[str]:
    """Every category (taxonomy term name) the directory's services carry, sorted."""
    names: set[str] = set()
    for service in DirectoryService.objects.only("attributes"):
        names.update(service.categories)
    return sorted(names, key=str.lower)


def service(oruk_id: str) -> DirectoryService | None:
    return (
        with_details(DirectoryService.objects.select_related("organization"))
        .filter(oruk_id=oruk_id)
        .first()
    )


# --- Taxonomies and taxonomy terms, derived from what the importer stores (ADR 118) -------------
# The importer keeps each service's HSDS `attributes` as sent, each naming its `taxonomy_term`
# (id, code, name, parent_id, taxonomy, taxonomy_id, taxonomy_detail...). The ORUK
# `/taxonomy_terms` and `/taxonomies` are that set of terms and the taxonomies they name: a term is
# keyed by its own `id` (else the attribute's `taxonomy_term_id`); a taxonomy by the term's
# `taxonomy_id` (else `taxonomy_detail.id`), and a taxonomy named only by its `taxonomy` text gets
# a stable id made from that name (uuid5), so the same feed always gives the same ids.

TAXONOMY_NAMESPACE = uuid.UUID("6f1c2a52-3a0e-5d0b-9b8e-1c2f0a4b7e11")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def derived_taxonomy_id(name: str) -> str:
    """The id given to a taxonomy a feed names (`taxonomy`) but does not identify."""
    return str(uuid.uuid5(TAXONOMY_NAMESPACE, name.strip().lower()))


def _term_of(attribute: Any) -> dict[str, Any] | None:
    if not isinstance(attribute, dict):
        return None
    term = attribute.get("taxonomy_term")
    if not isinstance(term, dict):
        return None
    term_id = _text(term.get("id")) or _text(attribute.get("taxonomy_term_id"))
    name = _text(term.get("name")) or _text(term.get("term"))
    if not term_id or not name:
        return None
    detail = term.get("taxonomy_detail") if isinstance(term.get("taxonomy_detail"), dict) else {}
    taxonomy_name = _text(term.get("taxonomy")) or _text(detail.get("name"))
    taxonomy_id = _text(term.get("taxonomy_id")) or _text(detail.get("id"))
    if not taxonomy_id and taxonomy_name:
        taxonomy_id = derived_taxonomy_id(taxonomy_name)
    return {
        "id": term_id,
        "code": _text(term.get("code")) or None,
        "name": name,
        "description": _text(term.get("description")),
        "parent_id": _text(term.get("parent_id")) or None,
        "taxonomy": taxonomy_name or None,
        "taxonomy_id": taxonomy_id or None,
        "language": _text(term.get("language")) or None,
        "term_uri": _text(term.get("term_uri")) or None,
        "_detail": detail,
    }


def _service_term_ids() -> dict[int, set[str]]:
    """Each service's taxonomy term ids (by service pk)."""
    found: dict[int, set[str]] = {}
    for pk, attributes in DirectoryService.objects.values_list("pk", "attributes"):
        found[pk] = {t["id"] for t in map(_term_of, attributes or []) if t is not None}
    return found


def taxonomy_terms() -> list[dict[str, Any]]:
    """Every taxonomy term the services carry, once each (first sight wins), by name then id."""
    terms: dict[str, dict[str, Any]] = {}
    for attributes in DirectoryService.objects.order_by("pk").values_list("attributes", flat=True):
        for term in map(_term_of, attributes or []):
            if term is not None:
                terms.setdefault(term["id"], term)
    return sorted(terms.values(), key=lambda t: (t["name"].lower(), t["id"]))


def taxonomies() -> list[dict[str, Any]]:
    """Every taxonomy the terms name, once each, by name then id."""
    found: dict[str, dict[str, Any]] = {}
    for term in taxonomy_terms():
        if not term["taxonomy_id"]:
            continue
        detail = term["_detail"]
        taxonomy = found.setdefault(
            term["taxonomy_id"],
            {
                "id": term["taxonomy_id"],
                "name": _text(detail.get("name")) or term["taxonomy"] or term["taxonomy_id"],
                "description": _text(detail.get("description")),
                "uri": _text(detail.get("uri")) or None,
                "version": _text(detail.get("version")) or None,
            },
        )
        for key in ("description", "uri", "version"):
            if not taxonomy[key] and _text(detail.get(key)):
                taxonomy[key] = _text(detail.get(key))
    return sorted(found.values(), key=lambda t: (t["name"].lower(), t["id"]))


def services_with_terms(
    queryset: QuerySet[DirectoryService],
    *,
    term_ids: set[str] | None = None,
    taxonomy_id: str = "",
) -> QuerySet[DirectoryService]:
    """`queryset` narrowed to services carrying one of `term_ids` and/or a term of
    `taxonomy_id`."""
    wanted = set(term_ids or ())
    if taxonomy_id:
        in_taxonomy = {t["id"] for t in taxonomy_terms() if t["taxonomy_id"] == taxonomy_id}
        wanted = wanted & in_taxonomy if term_ids else in_taxonomy
    pks = [pk for pk, ids in _service_term_ids().items() if ids & wanted]
    return queryset.filter(pk__in=pks)


def organisations(*, text: str = "") -> QuerySet[DirectoryOrganisation]:
    """Directory organisations whose name, alternate name or description match every word."""
    found = DirectoryOrganisation.objects.all()
    for word in (text or "")[:MAX_TEXT].split()[:10]:
        found = found.filter(
            Q(name__icontains=word)
            | Q(alternate_name__icontains=word)
            | Q(description__icontains=word)
        )
    return found.order_by("name", "pk")


def organisation(oruk_id: str) -> DirectoryOrganisation | None:
    return DirectoryOrganisation.objects.filter(oruk_id=oruk_id).first()


def services_at_locations() -> QuerySet[DirectoryServiceAtLocation]:
    return DirectoryServiceAtLocation.objects.select_related(
        "service", "service__organization", "location"
    ).order_by("service__name", "pk")


def service_at_location(oruk_id: str) -> DirectoryServiceAtLocation | None:
    """One service at a location by its feed id. The feed's ids are unique in HSDS; should two
    services' feeds reuse one, the first imported answers."""
    return services_at_locations().filter(oruk_id=oruk_id).order_by("pk").first()
