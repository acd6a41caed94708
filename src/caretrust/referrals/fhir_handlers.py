"""FHIR API handlers for referrals: ServiceRequest (read, search, create: the same intake as the
web form, kept as sent; update: the referrer revokes it) and Task (read, search: the workflow
status, the closed loop for a referring system; update: the referrer cancels it or adds a note).
ADR 116."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from caretrust.fhir.handlers import (
    export_for_people,
    filter_date,
    identifier_matches,
    person_for_reference,
    search_for_person,
)
from caretrust.fhir.registry import (
    Conflict,
    FhirContext,
    Forbidden,
    Layered,
    NotFound,
    NotSupported,
    PreconditionFailed,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
    Unprocessable,
)
from caretrust.organisations.models import Organisation
from caretrust.referrals import fhir, hooks, lifecycle, selectors, services
from caretrust.referrals.models import Referral

RELATED = (
    "person",
    "referrer_organisation",
    "routed_team",
    "routed_practitioner",
    "claimed_by",
    "allocated_to",
)
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
    referral = Referral.objects.select_related(*RELATED).filter(uuid=key).first()
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


@contextmanager
def _refusals_as_fhir(element: str) -> Iterator[None]:
    """A referrer's change refused by the referral services, as the FHIR error naming `element`:
    not theirs 403, changed meanwhile 412, a step the lifecycle forbids 409, bad input 422."""
    try:
        yield
    except PermissionDenied as denied:
        raise Forbidden(str(denied)) from None
    except services.ReferralChanged as changed:
        raise PreconditionFailed(changed.messages[0]) from None
    except lifecycle.InvalidTransition as invalid:
        raise Conflict(f"{element}: {'; '.join(invalid.messages)}", expression=element) from None
    except ValidationError as invalid:
        raise Unprocessable("; ".join(invalid.messages), expression=element) from None


class _ReferralHandler(ResourceHandler):
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "status": "token",
        "_id": "token",
        "_lastUpdated": "date",
    }
    counts = True
    chains = True  # search_for_person honours SearchParams.people (ADR 0121)
    to_fhir = staticmethod(fhir.task)

    def _stored(self, referral: Referral) -> Stored:
        return Stored(
            resource=self.to_fhir(referral).model_dump(mode="json", exclude_none=True),
            version_id=str(referral.version),
            last_updated=referral.updated_at,
        )

    def read(self, ctx: FhirContext, id: str) -> Stored:
        return self._stored(_referral(ctx, id, self.resource_type))

    def filters(self, params: SearchParams, queryset: QuerySet) -> QuerySet:
        status = params.first("status")
        return queryset.filter(status__in=status.split(",")) if status else queryset

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        return search_for_person(
            ctx,
            Referral.objects.select_related(*RELATED),
            params,
            resource_type=self.resource_type,
            action="referrals.view",
            object_id=lambda referral: str(referral.uuid),
            to_stored=self._stored,
            filters=lambda queryset: self.filters(params, queryset),
            scope=selectors.visible_to(ctx.user),
        )

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        """The referrals about these people the client's search would show (ADR 117): the
        ones it made or that were routed to it (`selectors.visible_to`), in one batch."""
        queryset = hooks.with_export_prefetches(
            Referral.objects.select_related(*RELATED).prefetch_related("events")
        )
        return export_for_people(
            ctx,
            queryset,
            person_ids,
            since,
            action="referrals.view",
            to_stored=self._stored,
            scope=None if secondary_use else selectors.visible_to(ctx.user),
            secondary_use=secondary_use,
        )

    def _for_update(self, ctx: FhirContext, id: str, if_match: str | None) -> Referral:
        referral = _referral(ctx, id, self.resource_type)
        if if_match is not None and if_match != str(referral.version):
            raise PreconditionFailed(
                f"{self.resource_type}/{id} is at version {referral.version}, not {if_match}"
            )
        return referral

    def _unchanged(self, resource: dict, current: dict, fixed: tuple[str, ...]) -> None:
        """Elements caretrust keeps: absent is no change, a different value is a 422 naming it."""
        for name in fixed:
            if name in resource and _as_sent(name, resource[name]) != _as_sent(
                name, current.get(name)
            ):
                raise Unprocessable(
                    f"{self.resource_type}.{name} is not the referrer's to change "
                    f"(a referrer may {self.referrer_may})",
                    expression=f"{self.resource_type}.{name}",
                )

    referrer_may = ""

    def _withdraw(self, ctx: FhirContext, referral: Referral, reason: str, element: str) -> None:
        with _refusals_as_fhir(element):
            services.withdraw(actor=ctx.user, referral=referral, reason=reason)


def _reason_text(concept: dict | None) -> str:
    concept = concept or {}
    return (concept.get("text") or "").strip() or ", ".join(
        c.get("display") or c.get("code") or "" for c in concept.get("coding", []) if c
    ).strip(", ")


def _as_sent(name: str, value):
    """An element as the referrer would send it: a read appends caretrust's reference
    identifier and a display to the references, so a referrer sending back what it sent (a
    retried conditional update) leaves them out, and that is no change."""
    if name == "identifier" and isinstance(value, list):
        return [i for i in value if i.get("system") != fhir.REFERENCE_SYSTEM]
    if isinstance(value, dict) and "reference" in value:
        return value["reference"]
    return value


class ServiceRequestHandler(_ReferralHandler):
    resource_type = "ServiceRequest"
    to_fhir = staticmethod(fhir.service_request)
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "identifier": "token",
        "_id": "token",
        "_lastUpdated": "date",
    }
    referrer_may = "revoke it (status revoked, the reason in a new note) and nothing else"
    documentation = (
        "A referral to the single point of contact. create = the professional referral form: "
        "subject (an existing Patient), reasonCode or note (what has happened), priority, and "
        "optionally category (referral source). A hospital discharge adds its discharge ready date "
        "(extension discharge-ready-date, valueDate) and pathway (category coding from the "
        "discharge-pathway CodeSystem, code 0-3); a read gives both back, the ready date as it "
        "is now. The ServiceRequest is kept as sent (identifier, reasonCode, requester, "
        "supportingInfo...) and read back with caretrust's id, status and reference identifier; "
        "search by identifier (system|value) finds it, and a create with If-None-Exist: "
        "identifier=system|value returns the referral already sent (200) instead of a second. "
        "update (PUT or PATCH) by the referrer: status revoked withdraws the referral (the reason "
        "in a new note); 409 when it is already closed. The Task with the same id tracks its "
        "progress."
    )

    def filters(self, params: SearchParams, queryset: QuerySet) -> QuerySet:
        for value in params.params.get("identifier", []):
            # The sender's identifiers, or caretrust's reference (any referral, however made).
            ours = [
                token.rpartition("|")[2]
                for token in value.split(",")
                if token.rpartition("|")[0] in ("", fhir.REFERENCE_SYSTEM)
                and "|" not in token.rpartition("|")[0]
            ]
            queryset = queryset.filter(identifier_matches(value) | Q(reference__in=ours))
        return queryset

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        person = person_for_reference((resource.get("subject") or {}).get("reference", ""))
        if person is None:
            raise Unprocessable("subject must reference a known Patient", expression="subject")
        reason = " ".join(
            c.get("text", "") for c in resource.get("reasonCode", []) if c.get("text")
        ) or " ".join(n.get("text", "") for n in resource.get("note", []))
        if not reason.strip():
            # A coded reason only: its displays are what the co-ordinator reads.
            reason = "; ".join(_reason_text(concept) for concept in resource.get("reasonCode", []))
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
        sent = {k: v for k, v in resource.items() if k not in ("id", "meta")}
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
                sent_service_request=sent,
            )
        except PermissionDenied as denied:
            raise Forbidden(str(denied)) from None
        except ValidationError as invalid:
            raise Unprocessable("; ".join(invalid.messages), expression="reasonCode") from None
        return self._stored(referral)

    @transaction.atomic
    def update(self, ctx: FhirContext, id: str, resource: dict, if_match: str | None) -> Stored:
        referral = self._for_update(ctx, id, if_match)
        ctx.require("referrals.withdraw", referral)
        current = self._stored(referral).resource
        status = resource.get("status")
        revoking = status == "revoked" and current.get("status") != "revoked"
        fixed = tuple(
            name
            for name in {*resource, *current}
            if name not in ("resourceType", "id", "meta", "text", "status", "note")
        )
        self._unchanged(resource, current, tuple(sorted(fixed)))
        if not revoking:
            if status != current.get("status"):
                raise Unprocessable(
                    f"ServiceRequest.status: a referrer may only revoke its referral (revoked), "
                    f"not make it {status}",
                    expression="ServiceRequest.status",
                )
            self._unchanged(resource, current, ("note",))
            return self._stored(referral)
        known = {note.get("text") for note in current.get("note", [])}
        reason = " ".join(
            note["text"] for note in resource.get("note", []) if note.get("text") not in known
        ).strip()
        self._withdraw(
            ctx,
            referral,
            reason or "The referrer revoked the ServiceRequest.",
            "ServiceRequest.status",
        )
        return self._stored(_referral(ctx, id, self.resource_type))


TASK_CODES = {"fulfill", f"{fhir.TASK_CODE_SYSTEM}|fulfill", "|fulfill"}


class TaskHandler(_ReferralHandler):
    resource_type = "Task"
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "status": "token",
        "focus": "reference",
        "owner": "reference",
        "code": "token",
        "_id": "token",
        "_lastUpdated": "date",
    }
    search_targets = {"focus": ("ServiceRequest",)}  # `ServiceRequest?_revinclude=Task:focus`
    referrer_may = "cancel it (status cancelled with a statusReason) or add a note"
    documentation = (
        "The workflow of a referral (FHIR Task: requested, received, accepted, in-progress, "
        "completed; rejected/cancelled/on-hold/failed with statusReason); code fulfill "
        "(http://hl7.org/fhir/CodeSystem/task-code). A completed Task's output is the CarePlan "
        "made from the referral, or the outcome (valueString). Search by focus "
        "(ServiceRequest/<id>), owner (the team's code, or system|code), status, code and "
        "_lastUpdated. update (PUT or PATCH) by the referrer only: status cancelled with a "
        "statusReason withdraws the referral; a new note is more information for the "
        "co-ordinators (notes already given stay); identifier, basedOn, intent, code, focus and "
        "for must not change (422); the workflow elements are caretrust's and are left as they "
        "are; 409 when the referral can no longer be cancelled or the Task moved on."
    )

    def filters(self, params: SearchParams, queryset: QuerySet) -> QuerySet:
        queryset = super().filters(params, queryset)
        for value in params.params.get("focus", []):
            resource_type, _, ident = value.rpartition("/")
            if resource_type not in ("", "ServiceRequest"):
                return queryset.none()
            try:
                queryset = queryset.filter(uuid=uuid.UUID(ident))
            except ValueError:
                return queryset.none()
        for value in params.params.get("owner", []):
            system, bar, code = value.rpartition("|")
            if bar and system != fhir.TEAM_SYSTEM:
                return queryset.none()
            queryset = queryset.filter(routed_team__code=code.rsplit("/", 1)[-1])
        for value in params.params.get("code", []):
            if not set(value.split(",")) & TASK_CODES:
                return queryset.none()
        return filter_date(
            queryset, "updated_at", params.params.get("_lastUpdated", []), instant=True
        )

    def read(self, ctx: FhirContext, id: str) -> Stored:
        try:
            return super().read(ctx, id)
        except NotFound:
            for source in hooks.task_sources():
                try:
                    return source.read(ctx, id)
                except NotFound:
                    continue
            raise

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        """The referrals' Tasks, then each other source's (the workspace's to-do tasks), paged
        one after the other as `registry.Layered` pages an app's and the record's."""
        sources = hooks.task_sources()
        if not sources:
            return super().search(ctx, params)
        return Layered(_ReferralTasks(self), sources[0]).search(ctx, params)

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        """The referrals' Tasks, then each other source's (the workspace's to-do tasks)."""
        yield from super().export_rows(ctx, person_ids, since, secondary_use=secondary_use)
        for source in hooks.task_sources():
            yield from source.export_rows(ctx, person_ids, since, secondary_use=secondary_use)

    @transaction.atomic
    def update(self, ctx: FhirContext, id: str, resource: dict, if_match: str | None) -> Stored:
        try:
            referral = self._for_update(ctx, id, if_match)
        except NotFound:
            for source in hooks.task_sources():
                try:
                    source.read(ctx, id)
                except NotFound:
                    continue
                raise NotSupported(
                    f"Task/{id} is a to-do task of the workspace: change it there"
                ) from None
            raise
        current = self._stored(referral).resource
        status = resource.get("status")
        cancelling = status == "cancelled" and current.get("status") != "cancelled"
        ctx.require("referrals.withdraw" if cancelling else "referrals.add_information", referral)
        # What says which Task this is must match; the workflow elements caretrust keeps (owner,
        # businessStatus, priority, output, ...) move on while the referrer holds its copy, so
        # a PUT of an older copy is not refused for them: they are caretrust's and left as they are.
        self._unchanged(
            resource, current, ("identifier", "basedOn", "intent", "code", "focus", "for")
        )
        if status != current.get("status") and not cancelling:
            earlier = referral.events.filter(to_status=status).exists()
            if earlier:
                raise Conflict(
                    f"Task.status: the Task is now {current.get('status')}, no longer {status}: "
                    "read it again and send your change on the current version",
                    expression="Task.status",
                )
            raise Unprocessable(
                f"Task.status: a referrer may only cancel its referral (cancelled); caretrust "
                f"moves the Task on otherwise, so it cannot become {status}",
                expression="Task.status",
            )
        reason = _reason_text(resource.get("statusReason")) if cancelling else ""
        if cancelling and not reason:
            raise Unprocessable(
                "Task.statusReason: say why the referral is cancelled (statusReason.text)",
                expression="Task.statusReason",
            )
        known = {note.get("text") for note in current.get("note", [])}
        added = list(
            dict.fromkeys(
                (note.get("text") or "").strip()
                for note in resource.get("note", [])
                if note.get("text") not in known and (note.get("text") or "").strip()
            )
        )
        for text in added:
            with _refusals_as_fhir("Task.note"):
                referral = services.add_information(
                    actor=ctx.user, referral=referral, information=text
                )
        if cancelling:
            self._withdraw(ctx, referral, reason, "Task.status")
        return self._stored(_referral(ctx, id, self.resource_type))


class _ReferralTasks(ResourceHandler):
    """The referrals' own Task search, as one side of the Task type's layered search."""

    resource_type = "Task"
    search_params = TaskHandler.search_params

    def __init__(self, tasks: TaskHandler) -> None:
        self.tasks = tasks

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        return _ReferralHandler.search(self.tasks, ctx, params)
