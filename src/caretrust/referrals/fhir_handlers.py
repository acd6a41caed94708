"""FHIR API handlers for referrals: ServiceRequest (read, search, create: the same intake as the
web form) and Task (read, search: the workflow status, the closed loop for a referring system)."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.fhir.handlers import person_for_reference, search_for_person
from caretrust.fhir.registry import (
    FhirContext,
    Forbidden,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
    Unprocessable,
)
from caretrust.organisations.models import Organisation
from caretrust.referrals import fhir, selectors, services
from caretrust.referrals.models import Referral

SOURCE_FOR_ORGANISATION = {
    Organisation.Kind.GP_PRACTICE: Referral.Source.GP,
    Organisation.Kind.NHS_TRUST: Referral.Source.HOSPITAL_DISCHARGE,
    Organisation.Kind.COUNCIL: Referral.Source.COUNCIL_CONTACT_CENTRE,
}


def _referral(ctx: FhirContext, id: str, type_name: str) -> Referral:
    try:
        key = uuid.UUID(id)
    except ValueError:
        raise NotFound(f"{type_name}/{id} is not known") from None
    referral = (
        Referral.objects.select_related(
            "person", "referrer_organisation", "routed_team", "claimed_by"
        )
        .filter(uuid=key)
        .first()
    )
    if referral is None:
        raise NotFound(f"{type_name}/{id} is not known")
    ctx.require("referrals.view", referral)
    ctx.audit_read(person=referral.person, object_type=type_name, object_id=id)
    return referral


def _discharge_details(resource: dict, codes: list) -> dict:
    """A hospital discharge (pathways.md §2): the discharge-ready date as an extension (valueDate)
    and the pathway as a category coding from the pathway CodeSystem. Both or neither."""
    ready = [
        ext.get("valueDate")
        for ext in resource.get("extension", [])
        if ext.get("url") == fhir.DISCHARGE_READY_DATE_URL
    ]
    pathways = [
        coding.get("code")
        for category in resource.get("category", [])
        for coding in category.get("coding", [])
        if coding.get("system") == fhir.DISCHARGE_PATHWAY_SYSTEM
    ]
    if not ready and not pathways:
        return {}
    if len(ready) != 1 or not ready[0]:
        raise Unprocessable(
            f"give one discharge ready date (extension {fhir.DISCHARGE_READY_DATE_URL}, valueDate)",
            expression="extension",
        )
    if len(pathways) != 1 or pathways[0] not in {"0", "1", "2", "3"}:
        raise Unprocessable(
            f"give one discharge pathway 0, 1, 2 or 3 (category {fhir.DISCHARGE_PATHWAY_SYSTEM})",
            expression="category",
        )
    try:
        ready_date = date.fromisoformat(str(ready[0]))
    except ValueError:
        raise Unprocessable(
            "the discharge ready date must be a date (YYYY-MM-DD)", expression="extension"
        ) from None
    return {"discharge": {"ready_date": ready_date, "pathway": int(pathways[0])}}


class _ReferralHandler(ResourceHandler):
    search_params = {"patient": "reference", "subject": "reference", "status": "token"}
    to_fhir = staticmethod(fhir.task)

    def _stored(self, referral: Referral) -> Stored:
        return Stored(
            resource=self.to_fhir(referral).model_dump(mode="json", exclude_none=True),
            version_id=str(referral.version),
            last_updated=referral.updated_at,
        )

    def read(self, ctx: FhirContext, id: str) -> Stored:
        return self._stored(_referral(ctx, id, self.resource_type))

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        status = params.first("status")
        return search_for_person(
            ctx,
            Referral.objects.select_related(
                "person", "referrer_organisation", "routed_team", "claimed_by"
            ),
            params,
            resource_type=self.resource_type,
            action="referrals.view",
            object_id=lambda referral: str(referral.uuid),
            to_stored=self._stored,
            filters=lambda queryset: queryset.filter(status=status) if status else queryset,
            scope=selectors.visible_to(ctx.user),
        )


class ServiceRequestHandler(_ReferralHandler):
    resource_type = "ServiceRequest"
    to_fhir = staticmethod(fhir.service_request)
    search_params = {"patient": "reference", "subject": "reference"}
    documentation = (
        "A referral to the single point of contact. create = the professional referral form: "
        "subject (an existing Patient), reasonCode or note (what has happened), priority, and "
        "optionally category (referral source). A hospital discharge adds its discharge ready date "
        "(extension discharge-ready-date, valueDate) and pathway (category coding from the "
        "discharge-pathway CodeSystem, code 0-3); a read gives both back, the ready date as it "
        "is now. The Task with the same id tracks its progress."
    )

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        person = person_for_reference((resource.get("subject") or {}).get("reference", ""))
        if person is None:
            raise Unprocessable("subject must reference a known Patient", expression="subject")
        reason = " ".join(
            c.get("text", "") for c in resource.get("reasonCode", []) if c.get("text")
        ) or " ".join(n.get("text", "") for n in resource.get("note", []))
        codes = [
            coding.get("code")
            for category in resource.get("category", [])
            for coding in category.get("coding", [])
        ]
        source = next((c for c in codes if c in Referral.PROFESSIONAL_SOURCES), None)
        organisation = getattr(ctx.user, "organisation", None)
        source = source or SOURCE_FOR_ORGANISATION.get(
            getattr(organisation, "kind", ""), Referral.Source.COMMUNITY_TEAM
        )
        extra = _discharge_details(resource, codes)
        if extra and source != Referral.Source.HOSPITAL_DISCHARGE:
            raise Unprocessable(
                "a discharge ready date or pathway needs the hospital_discharge category",
                expression="category",
            )
        try:
            referral = services.submit_professional_referral(
                actor=ctx.user,
                person=person,
                source=source,
                reason=reason,
                requested_urgency=fhir.URGENCY_FROM_PRIORITY.get(
                    resource.get("priority", "routine"), "routine"
                ),
                # API clients are bound by their data-sharing agreement to send only referrals the
                # person agreed to (or that are in their best interests): see ADR 0050.
                consent=True,
                extra=extra,
            )
        except PermissionDenied as denied:
            raise Forbidden(str(denied)) from None
        except ValidationError as invalid:
            raise Unprocessable("; ".join(invalid.messages), expression="reasonCode") from None
        return self._stored(referral)


class TaskHandler(_ReferralHandler):
    resource_type = "Task"
    documentation = (
        "The workflow of a referral (FHIR Task: requested, received, accepted, in-progress, "
        "completed; rejected/cancelled/on-hold/failed with statusReason). Read-only over the API."
    )
