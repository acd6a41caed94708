"""The FHIR handler registry: which app answers for which resource type.

The HTTP layer (`caretrust.fhir.views`) knows nothing about storage. For each request it finds the
`ResourceHandler` registered for the resource type and calls one method per FHIR interaction
(read, vread, search, create, update, delete, history; patch is a read and an update). The CapabilityStatement at `/fhir/metadata` is
generated from what is registered here, so it always tells the truth.

How another app plugs in (e.g. `careplans` exposing CarePlan)::

    # careplans/fhir_handlers.py
    from caretrust.fhir import registry
    from caretrust.fhir.registry import FhirContext, ResourceHandler, SearchParams, Stored

    class CarePlanHandler(ResourceHandler):
        resource_type = "CarePlan"
        search_params = {"subject": "reference", "patient": "reference", "status": "token",
                         "date": "date", "_lastUpdated": "date"}

        def read(self, ctx: FhirContext, id: str) -> Stored:
            plan = ...  # look it up; raise registry.NotFound(...) if absent
            ctx.require("careplans.view", plan.person)   # policy, as in the web app
            ctx.audit_read(person=plan.person, object_type="CarePlan", object_id=id)
            return Stored(resource=to_fhir_json(plan), version_id=str(plan.version),
                          last_updated=plan.updated_at)

        def update(self, ctx, id, resource, if_match): ...  # call your service (actor=ctx.user)

    # careplans/apps.py
    class CareplansConfig(AppConfig):
        def ready(self):
            from caretrust.careplans import fhir_handlers
            registry.register(fhir_handlers.CarePlanHandler())

Rules for handlers:

* Implement only the interactions you support; the base class answers the rest with
  `NotSupported` (405) and the CapabilityStatement leaves them out.
* `resource` arguments to `create`/`update` are plain dicts that the view has already validated
  with `fhir.resources` (R4B) for the declared resource type; validate your own business rules and
  raise `Unprocessable` (422) with a message naming the field.
* Authorise with `ctx.require(action, person)` (it calls `caretrust.access.policy`) and audit every
  read with `ctx.audit_read(...)`; writes go through your app's services with `actor=ctx.user`,
  which write their own audit rows.
* Return `Stored` values: the resource JSON (the view sets `id`, `meta.versionId` and
  `meta.lastUpdated` from the `Stored` fields) and its version.
* `update` must raise `PreconditionFailed` (412) when `if_match` is given and is not the current
  version (the view passes the bare version id, with `W/"…"` stripped).

`register` makes a handler the primary answer for its type (one per type; registering a second
primary for the same type is an error). `register_fallback` is used by the shared record for the
types it stores read-only from imports; a primary handler always wins over a fallback, whatever
the order the apps are loaded in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

# --------------------------------------------------------------------------------------- errors


class FhirError(Exception):
    """An error the API turns into an OperationOutcome with this status and issue code."""

    status: int = 400
    code: str = "invalid"

    def __init__(self, diagnostics: str, *, expression: str | None = None) -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.expression = expression


class Invalid(FhirError):
    status, code = 400, "invalid"


class Unauthorized(FhirError):
    status, code = 401, "login"


class Forbidden(FhirError):
    status, code = 403, "forbidden"


class NotFound(FhirError):
    status, code = 404, "not-found"


class NotSupported(FhirError):
    status, code = 405, "not-supported"


class Conflict(FhirError):
    status, code = 409, "conflict"


class Gone(FhirError):
    status, code = 410, "deleted"


class PreconditionFailed(FhirError):
    status, code = 412, "conflict"


class Unprocessable(FhirError):
    status, code = 422, "processing"


# ------------------------------------------------------------------------------ request values


@dataclass
class FhirContext:
    """Who is asking, for which organisation, and where the API lives (for absolute URLs)."""

    user: Any  # organisations.User acting for the API client (its service account)
    base_url: str  # e.g. "http://127.0.0.1:8000/fhir"
    client: Any = None  # fhir.ApiClient, None for in-process calls
    # The people whose records the client may read, worked out once per request.
    visible_people: Any = None  # fhir.lookups.IdSet
    # A SMART backend-services token's granted scopes ("system/Patient.rs ..."); None for a
    # static token or an in-process call, which are not limited by scopes (ADR 113).
    scopes: str | None = None

    def require(self, action: str, obj: Any = None) -> None:
        """Authorise through `caretrust.access.policy`; raise Forbidden with its reason."""
        from caretrust.access import policy

        decision = policy.decide(self.user, action, obj)
        if not decision.allowed:
            policy.note_refusal(action, decision, obj)
            raise Forbidden(decision.reason)

    def allowed(self, action: str, obj: Any = None) -> bool:
        from caretrust.access import policy

        return bool(policy.decide(self.user, action, obj))

    def audit_read(
        self, *, person: Any = None, object_type: str, object_id: str, details: dict | None = None
    ) -> None:
        from caretrust.access import audit

        audit.record_read(
            actor=self.user,
            person_ref=person.audit_ref if person is not None else "",
            object_type=f"fhir.{object_type}",
            object_id=str(object_id),
            details={
                "via": "fhir",
                **({"client": self.client.name} if self.client else {}),
                **(details or {}),
            },
        )

    def audit_reads(self, *, people: list, object_type: str, details: dict | None = None) -> None:
        """One audit row per person shown by a search page, written in one insert."""
        from caretrust.access import audit

        audit.record_reads(
            actor=self.user,
            person_refs=list(dict.fromkeys(p.audit_ref for p in people)),
            object_type=f"fhir.{object_type}",
            details={
                "via": "fhir",
                "search": True,
                **({"client": self.client.name} if self.client else {}),
                **(details or {}),
            },
        )


@dataclass(frozen=True)
class Stored:
    """One version of a resource as the API returns it."""

    resource: dict
    version_id: str
    last_updated: datetime
    deleted: bool = False


@dataclass
class SearchParams:
    """A search request: FHIR parameters (name → values, repeated parameters AND-ed) plus paging."""

    params: dict[str, list[str]] = field(default_factory=dict)
    count: int = 20
    cursor: str | None = None  # opaque, from the previous page's next link
    include: list[str] = field(default_factory=list)  # e.g. ["Observation:subject"]
    # `_sort` (ADR 0119): names from the handler's `search_sorts`, "-" first for descending.
    sort: list[str] = field(default_factory=list)
    # Only the number of matches is wanted (`_count=0`, `_summary=count`, `_total`): a handler
    # whose `counts` is True answers SearchResult([], total=n), showing (and auditing) nothing.
    count_only: bool = False
    # The people the matches must be about (ADR 0121): one query of person ids per chained
    # parameter or `_has`, each already limited to people the client may read; every one
    # applies. Honoured by handlers whose `chains` is True.
    people: list[Any] = field(default_factory=list)

    def first(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class SearchResult:
    matches: list[Stored]
    next_cursor: str | None = None  # None when this is the last page
    included: list[Stored] = field(default_factory=list)
    total: int | None = None  # only when cheap to know


# ------------------------------------------------------------------------------------ handlers

INTERACTIONS = ("read", "vread", "search", "create", "update", "delete", "history")


class ResourceHandler:
    """Base class: one method per FHIR interaction. Override the ones you support."""

    resource_type: ClassVar[str] = ""
    # Search parameters you accept: name → FHIR type (string, token, date, reference, …).
    search_params: ClassVar[dict[str, str]] = {}
    # `_include` values you honour, e.g. ("Observation:subject",).
    search_includes: ClassVar[tuple[str, ...]] = ()
    # Modifiers you honour per parameter (ADR 0119), e.g. {"family": ("exact", "contains")}.
    search_modifiers: ClassVar[dict[str, tuple[str, ...]]] = {}
    # `_sort` names you honour (ADR 0119): "_lastUpdated", "_id", or one of your date parameters.
    search_sorts: ClassVar[tuple[str, ...]] = ()
    # The types a reference parameter points at, where not only Patient (`patient`, `subject`):
    # what `_revinclude` on those types may name (ADR 0119), e.g. {"focus": ("ServiceRequest",)}.
    search_targets: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Whether `search` honours `SearchParams.count_only` (then Bundle.total is given).
    counts: ClassVar[bool] = False
    # Whether `search` honours `SearchParams.people` (ADR 0121): only then are chained
    # parameters (`patient.family=`) and `_has` offered on the type.
    chains: ClassVar[bool] = False
    # Profiles you conform to (shown in the CapabilityStatement).
    profiles: ClassVar[tuple[str, ...]] = ()
    documentation: ClassVar[str] = ""

    def read(self, ctx: FhirContext, id: str) -> Stored:
        raise NotSupported(f"read is not supported for {self.resource_type}")

    def vread(self, ctx: FhirContext, id: str, version_id: str) -> Stored:
        raise NotSupported(f"vread is not supported for {self.resource_type}")

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        raise NotSupported(f"search is not supported for {self.resource_type}")

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        raise NotSupported(f"create is not supported for {self.resource_type}")

    def update(self, ctx: FhirContext, id: str, resource: dict, if_match: str | None) -> Stored:
        raise NotSupported(f"update is not supported for {self.resource_type}")

    def delete(self, ctx: FhirContext, id: str, if_match: str | None) -> Stored | None:
        raise NotSupported(f"delete is not supported for {self.resource_type}")

    def history(self, ctx: FhirContext, id: str) -> list[Stored]:
        raise NotSupported(f"history is not supported for {self.resource_type}")

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        """Bulk Data `$export` (ADR 117): (person id, resource) for every resource of this type
        the app keeps about `person_ids` (at most a few thousand, the exporter's batch), last
        updated at or after `since`, each with `id` and `meta.versionId`/`lastUpdated`. Under the
        rule the handler's search applies for `ctx` (the people are already ones the client may
        read); `secondary_use`: a system-level export, authorised by its approval and the
        National Data Opt-out instead. A constant number of queries per call, whatever the
        number of people (`fhir.handlers.export_for_people`). Not overridden: nothing of the
        app's is exported."""
        return iter(())

    def exports(self) -> bool:
        """Whether the handler exports the app's own resources in a Bulk Data export."""
        return type(self).export_rows is not ResourceHandler.export_rows

    def supports(self, key: str) -> bool:
        """Whether a search parameter, as sent (`name` or `name:modifier`), is understood."""
        name, _, modifier = key.partition(":")
        if name not in self.search_params:
            return False
        return not modifier or modifier in self.search_modifiers.get(name, ())

    def interactions(self) -> list[str]:
        """The interactions this handler overrides (what the CapabilityStatement declares)."""
        supported = []
        for name in INTERACTIONS:
            if getattr(type(self), name) is not getattr(ResourceHandler, name):
                supported.append(name)
        return supported


_primary: dict[str, ResourceHandler] = {}
_fallback: dict[str, ResourceHandler] = {}


def register(handler: ResourceHandler) -> ResourceHandler:
    """Make `handler` the API's answer for its resource type. Call from AppConfig.ready()."""
    if not handler.resource_type:
        raise ValueError("a ResourceHandler needs a resource_type")
    existing = _primary.get(handler.resource_type)
    if existing is not None and type(existing) is not type(handler):
        raise ValueError(
            f"{handler.resource_type} already has a handler ({type(existing).__qualname__})"
        )
    _primary[handler.resource_type] = handler
    return handler


def register_fallback(handler: ResourceHandler) -> ResourceHandler:
    """Answer for a type only while no app registers a primary handler for it."""
    _fallback[handler.resource_type] = handler
    return handler


def unregister(resource_type: str) -> None:
    """Remove the primary handler (tests)."""
    _primary.pop(resource_type, None)


def get(resource_type: str) -> ResourceHandler | None:
    primary, fallback = _primary.get(resource_type), _fallback.get(resource_type)
    if primary is not None and fallback is not None:
        return Layered(primary, fallback)
    return primary or fallback


def handlers() -> dict[str, ResourceHandler]:
    """Every resource type the API answers for, sorted by name."""
    merged: dict[str, ResourceHandler] = {}
    for resource_type in {*_fallback, *_primary}:
        handler = get(resource_type)
        if handler is not None:
            merged[resource_type] = handler
    return dict(sorted(merged.items()))


# ------------------------------------------------------------------------------ layered types

LAYER_PREFIX = {"primary": "p", "stored": "s"}


class Layered(ResourceHandler):
    """A type both an app and the shared record answer for (ADR 0103): the app's own resources
    (CarePlans caretrust made) and the ones sources sent (a hospital's CarePlan, kept as sent).
    Reads try the app first and then the record, so an id is found wherever it lives; a search
    pages through the app's matches, then the record's (the cursor says which); create and update
    are the app's. A search parameter only one side understands leaves the other side out, so
    no search returns a resource the parameter did not select."""

    def __init__(self, primary: ResourceHandler, stored: ResourceHandler) -> None:
        self.primary, self.stored = primary, stored
        self.resource_type = primary.resource_type  # type: ignore[misc]
        self.search_params = {**stored.search_params, **primary.search_params}  # type: ignore[misc]
        self.search_includes = tuple(  # type: ignore[misc]
            dict.fromkeys((*primary.search_includes, *stored.search_includes))
        )
        self.search_modifiers = {  # type: ignore[misc]
            name: tuple(
                m
                for m in primary.search_modifiers.get(name, ())
                if m in stored.search_modifiers.get(name, ()) or name not in stored.search_params
            )
            if name in primary.search_params
            else stored.search_modifiers.get(name, ())
            for name in self.search_params
        }
        self.search_targets = {**stored.search_targets, **primary.search_targets}  # type: ignore[misc]
        # One order across both layers cannot be kept while paging one after the other.
        self.search_sorts = ()  # type: ignore[misc]
        self.counts = primary.counts and stored.counts  # type: ignore[misc]
        self.chains = primary.chains and stored.chains  # type: ignore[misc]
        self.profiles = primary.profiles  # type: ignore[misc]
        self.documentation = (  # type: ignore[misc]
            f"{primary.documentation} Also every {self.resource_type} a source sent, read and "
            "searched as kept (ADR 0103), and written as kept: create (when the app has no "
            "intake of its own), update, patch and delete of those and of new ids (ADR 109); "
            "caretrust's own are changed only as the app allows."
        ).strip()

    def interactions(self) -> list[str]:
        both = set(self.primary.interactions()) | set(self.stored.interactions())
        return [name for name in INTERACTIONS if name in both]

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        # The record's side is exported from `record.Resource` by the exporter itself.
        return self.primary.export_rows(ctx, person_ids, since, secondary_use=secondary_use)

    def exports(self) -> bool:
        return self.primary.exports()

    def _either(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.primary, method)(*args)
        except NotFound:
            return getattr(self.stored, method)(*args)
        except NotSupported as unsupported:
            # The app does not do this (vread of its own CarePlan): the record may hold the id;
            # if it does not, the app's answer (405) is the true one.
            try:
                return getattr(self.stored, method)(*args)
            except NotFound:
                raise unsupported from None

    def read(self, ctx: FhirContext, id: str) -> Stored:
        return self._either("read", ctx, id)

    def vread(self, ctx: FhirContext, id: str, version_id: str) -> Stored:
        return self._either("vread", ctx, id, version_id)

    def history(self, ctx: FhirContext, id: str) -> list[Stored]:
        return self._either("history", ctx, id)

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        # The app's intake when it has one (a ServiceRequest is a referral); else kept as sent.
        if "create" in self.primary.interactions():
            return self.primary.create(ctx, resource)
        return self.stored.create(ctx, resource)

    def _primary_holds(self, ctx: FhirContext, id: str) -> bool:
        try:
            self.primary.read(ctx, id)
        except (NotFound, NotSupported):
            return False
        except FhirError:
            return True
        return True

    def update(self, ctx: FhirContext, id: str, resource: dict, if_match: str | None) -> Stored:
        # ADR 109: the app's own resources are changed by the app (or not at all: 405); the ones
        # a source sent, and new ids a client chose, by the record.
        if "update" in self.primary.interactions():
            try:
                return self.primary.update(ctx, id, resource, if_match)
            except NotFound:
                return self.stored.update(ctx, id, resource, if_match)
        if self._primary_holds(ctx, id):
            return self.primary.update(ctx, id, resource, if_match)
        return self.stored.update(ctx, id, resource, if_match)

    def delete(self, ctx: FhirContext, id: str, if_match: str | None) -> Stored | None:
        try:
            return self.stored.delete(ctx, id, if_match)
        except NotFound:
            if "delete" in self.primary.interactions() or self._primary_holds(ctx, id):
                return self.primary.delete(ctx, id, if_match)
            raise

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        if params.count_only:
            totals = [
                self._layer(side, ctx, params, None).total for side in (self.primary, self.stored)
            ]
            known = [t for t in totals if t is not None]
            return SearchResult([], total=sum(known) if len(known) == 2 else None)
        layer, _, cursor = (params.cursor or "").partition(":")
        if params.cursor and layer not in LAYER_PREFIX.values():
            raise Invalid("the paging cursor is not valid", expression="_cursor")
        if layer in ("", "p"):
            result = self._layer(self.primary, ctx, params, cursor or None)
            if result.next_cursor:
                return SearchResult(
                    result.matches, f"p:{result.next_cursor}", result.included, None
                )
            room = params.count - len(result.matches)
            if room <= 0:
                # The app's matches filled this page: the record's start on the next one.
                return SearchResult(result.matches, "s:", result.included, None)
            rest = self._layer(self.stored, ctx, _with(params, count=room), None)
            return SearchResult(
                result.matches + rest.matches,
                f"s:{rest.next_cursor}" if rest.next_cursor else None,
                result.included + rest.included,
                None,
            )
        result = self._layer(self.stored, ctx, params, cursor or None)
        return SearchResult(
            result.matches,
            f"s:{result.next_cursor}" if result.next_cursor else None,
            result.included,
            None,
        )

    @staticmethod
    def _layer(
        handler: ResourceHandler, ctx: FhirContext, params: SearchParams, cursor: str | None
    ) -> SearchResult:
        if "search" not in handler.interactions() or not all(
            handler.supports(name) for name in params.params
        ):
            return SearchResult([], None, total=0)
        return handler.search(ctx, _with(params, cursor=cursor))


def _with(params: SearchParams, **changes: Any) -> SearchParams:
    return SearchParams(
        params=params.params,
        count=changes.get("count", params.count),
        cursor=changes.get("cursor", params.cursor),
        include=params.include,
        sort=params.sort,
        count_only=params.count_only,
        people=params.people,
    )


def resource_types() -> Iterable[str]:
    return handlers().keys()
