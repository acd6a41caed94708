"""FHIR Group: a GP practice's registered list (ADR 117), the groups a Bulk Data Group-level
`$export` names. Group `practice-<ODS code>` lists, as members, the people registered with the
practice whom the client may read (the rule of every FHIR read); reading it audits a read of each
member shown. No other groups exist (a team's caseload is a workflow list, not served here)."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.fhir.registry import (
    FhirContext,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
)
from caretrust.organisations.models import Organisation
from caretrust.people.models import Person

PREFIX = "practice-"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


def practice_for_group(group_id: str) -> Organisation:
    """The GP practice a Group id names, or NotFound."""
    code = group_id.removeprefix(PREFIX) if group_id.startswith(PREFIX) else None
    practice = (
        Organisation.objects.filter(code=code, kind=Organisation.Kind.GP_PRACTICE).first()
        if code
        else None
    )
    if practice is None:
        raise NotFound(f"Group/{group_id} is not known (groups are practice-<ODS code>)")
    return practice


def members(ctx: FhirContext, practice: Organisation) -> QuerySet:
    from caretrust.fhir.handlers import visible_person_ids

    return Person.objects.filter(
        pk__in_array=visible_person_ids(ctx), gp_practice=practice, merged_into__isnull=True
    ).order_by("pk")


def group_of(ctx: FhirContext, practice: Organisation) -> Stored:
    people = list(members(ctx, practice).only("pk", "ref", "updated_at"))
    ctx.audit_reads(people=people, object_type="Group", details={"group": practice.code})
    resource = {
        "resourceType": "Group",
        "id": f"{PREFIX}{practice.code}",
        "identifier": [{"system": ODS_SYSTEM, "value": practice.code}],
        "active": True,
        "type": "person",
        "actual": True,
        "name": f"Registered list of {practice.name}",
        "managingEntity": {"identifier": {"system": ODS_SYSTEM, "value": practice.code}},
        "quantity": len(people),
        "member": [{"entity": {"reference": f"Patient/{p.ref}"}} for p in people],
    }
    if not people:
        del resource["member"]
    updated = max((p.updated_at for p in people), default=practice_updated(practice))
    return Stored(resource=resource, version_id="1", last_updated=updated)


def practice_updated(practice: Organisation):
    from django.utils import timezone

    return getattr(practice, "updated_at", None) or timezone.now()


class GroupHandler(ResourceHandler):
    resource_type = "Group"
    search_params = {"identifier": "token"}
    documentation = (
        "A GP practice's registered list (id practice-<ODS code>): its members are the people "
        "registered there whom the client may read. Group/<id>/$export exports them (Bulk Data)."
    )

    def read(self, ctx: FhirContext, id: str) -> Stored:
        practice = practice_for_group(id)
        ctx.require("people.view_record")
        return group_of(ctx, practice)

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        ctx.require("people.view_record")
        practices = Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE).order_by("pk")
        for value in params.params.get("identifier", []):
            system, bar, code = value.rpartition("|")
            if bar and system and system != ODS_SYSTEM:
                return SearchResult([])
            practices = practices.filter(code=code)
        start = int(params.cursor) if params.cursor and params.cursor.isdigit() else 0
        page = list(practices.filter(pk__gt=start)[: params.count + 1])
        cursor = str(page[params.count - 1].pk) if len(page) > params.count else None
        return SearchResult([group_of(ctx, p) for p in page[: params.count]], cursor)
