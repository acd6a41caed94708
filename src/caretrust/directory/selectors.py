"""Reads of the directory: the co-ordinator's search and the ORUK API's pages. The directory
holds no personal data, so reads are not audited as person reads."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from caretrust.directory.models import DirectoryService, DirectoryServiceAtLocation

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
