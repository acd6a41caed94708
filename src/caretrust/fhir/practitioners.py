"""Staff as FHIR Practitioner (ADR 0122): `Practitioner/<fhir_id>`, the id every resource that
names a member of staff (a CareTeam member, an assessment's author) points at.

What is served is staff directory information, the same the web app shows every member of staff
in the directory: name, whether the account is active, their organisation, their profession and
work email. Who may read it: any staff role (`fhir.read_reference_data`, as organisations and
other records not about a person); a person's or carer's portal account may not. Only staff
accounts are practitioners: a portal account (person, carer) is not known here. Reading the
directory is not a read of anyone's care record, so it writes no person's audit row; a read of
one practitioner is audited as reference data.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.db.models import Q, QuerySet

from caretrust.fhir.registry import (
    FhirContext,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
)
from caretrust.organisations.models import User

UKCORE_PRACTITIONER = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Practitioner"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
# Our own code for a profession (the role's label is the display): no national code system
# covers social care professions and caretrust's roles.
PROFESSION_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/profession"
NOT_PRACTITIONERS = (User.Role.PERSON, User.Role.CARER)


def reference(user: User) -> dict:
    """The reference a resource makes to a member of staff."""
    shown = {"reference": f"Practitioner/{user.fhir_id}"}
    if user.get_full_name():
        shown["display"] = user.get_full_name()
    return shown


def staff() -> QuerySet[User]:
    return User.objects.exclude(role__in=NOT_PRACTITIONERS).select_related("organisation")


def practitioner(user: User) -> dict:
    name: dict = {"use": "official", "text": user.get_full_name() or user.get_username()}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    resource: dict = {
        "resourceType": "Practitioner",
        "id": str(user.fhir_id),
        "meta": {"profile": [UKCORE_PRACTITIONER]},
        "active": user.is_active,
        "name": [name],
    }
    if user.email:
        resource["telecom"] = [{"system": "email", "value": user.email, "use": "work"}]
    qualification = {
        "code": {
            "coding": [
                {
                    "system": PROFESSION_SYSTEM,
                    "code": user.profession or user.role,
                    "display": user.role_label,
                }
            ],
            "text": user.role_label,
        }
    }
    if user.organisation_id:
        qualification["issuer"] = {
            "identifier": {"system": ODS_SYSTEM, "value": user.organisation.code},
            "display": user.organisation.name,
        }
    resource["qualification"] = [qualification]
    return resource


def _stored(user: User) -> Stored:
    resource = practitioner(user)
    # A user has no version counter: the version is the content's, so an ETag changes exactly
    # when what is served changes.
    digest = hashlib.sha256(json.dumps(resource, sort_keys=True).encode()).hexdigest()[:12]
    return Stored(resource=resource, version_id=digest, last_updated=user.date_joined)


def _fhir_id(id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(id)
    except ValueError:
        return None


class PractitionerHandler(ResourceHandler):
    resource_type = "Practitioner"
    search_params = {"_id": "token", "name": "string", "family": "string", "given": "string"}
    profiles = (UKCORE_PRACTITIONER,)
    documentation = (
        "Staff of the partner organisations (id = the user's stable FHIR id, never the user "
        "name): staff directory information, readable by staff roles (ADR 0122). `name`, "
        "`family` and `given` search the staff directory only, not Practitioners a source sent."
    )

    def read(self, ctx: FhirContext, id: str) -> Stored:
        # Authorised first: a portal account learns nothing, not even which ids exist.
        ctx.require("fhir.read_reference_data")
        fhir_id = _fhir_id(id)
        user = staff().filter(fhir_id=fhir_id).first() if fhir_id else None
        if user is None:
            raise NotFound(f"Practitioner/{id} is not known")
        ctx.audit_read(object_type="Practitioner", object_id=id)
        return _stored(user)

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        ctx.require("fhir.read_reference_data")
        users = staff().order_by("pk")
        for value in params.params.get("_id", []):
            ids = [i for i in (_fhir_id(v) for v in value.split(",")) if i is not None]
            users = users.filter(fhir_id__in=ids)
        for value in params.params.get("name", []):
            users = users.filter(Q(first_name__istartswith=value) | Q(last_name__istartswith=value))
        for value in params.params.get("family", []):
            users = users.filter(last_name__istartswith=value)
        for value in params.params.get("given", []):
            users = users.filter(first_name__istartswith=value)
        start = int(params.cursor) if params.cursor and params.cursor.isdigit() else 0
        page = list(users.filter(pk__gt=start)[: params.count + 1])
        cursor = str(page[params.count - 1].pk) if len(page) > params.count else None
        return SearchResult([_stored(u) for u in page[: params.count]], cursor)
