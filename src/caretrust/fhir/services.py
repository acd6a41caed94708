"""Issuing, rotating and revoking API client tokens (audited).

A token is shown once and stored as a hash. It expires (90 days by default), can be rotated (the
old token stops at once) and revoked. A client acts only as one of the API client roles, and
re-issuing a token never silently keeps, or changes, what the client may do: a different
organisation or role must be asked for explicitly.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.fhir.models import ApiClient, hash_token
from caretrust.organisations.models import Organisation, User

# What a system may act as: a co-ordinating service (a GP system or a hospital's discharge team
# refers and follows its referrals; a practice's system reads its registered patients) or an
# analyst (secondary use). Never a privacy officer, administrator, finance officer, or a person.
API_CLIENT_ROLES = frozenset({User.Role.COORDINATOR, User.Role.ANALYST})
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)


class TokenError(ValueError):
    """A request about a token that cannot be done; the message says why, fit for a user."""


def _lifetime(days: int | None) -> timedelta:
    lifetime = DEFAULT_LIFETIME if days is None else timedelta(days=days)
    if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise TokenError(f"a token lives between 1 and {MAX_LIFETIME.days} days, not {days}")
    return lifetime


def new_client(name: str, organisation, role: str, *, token_hash: str, expires_at) -> ApiClient:
    """A new API client and the service account it acts through (no password: it cannot sign
    in to the web app). The caller audits."""
    user = User(
        username=f"api-{name}"[:150],
        first_name="API client",
        last_name=name,
        role=role,
        organisation=organisation,
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    return ApiClient.objects.create(
        name=name,
        organisation=organisation,
        user=user,
        token_hash=token_hash,
        expires_at=expires_at,
    )


@transaction.atomic
def issue_client(
    *,
    name: str,
    organisation: Organisation,
    role: str,
    days: int | None = None,
    change_scope: bool = False,
    actor_label: str = "command line",
) -> tuple[ApiClient, str]:
    """Create a client, or give an existing one a new token. Returns the token, shown once.

    For an existing client, the organisation and role must be the ones it has unless
    `change_scope` is given, so a re-issue never silently keeps old scopes nor widens them."""
    if role not in API_CLIENT_ROLES:
        allowed = ", ".join(sorted(API_CLIENT_ROLES))
        raise TokenError(f"an API client acts as one of: {allowed} (not {role!r})")
    lifetime = _lifetime(days)
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.select_for_update().filter(name=name).first()
    details = {"organisation": organisation.code, "role": role}
    if client is None:
        client = new_client(
            name,
            organisation,
            role,
            token_hash=hash_token(token),
            expires_at=timezone.now() + lifetime,
        )
    else:
        user = client.user
        before = {"organisation": client.organisation.code, "role": user.role}
        if before != details:
            if not change_scope:
                raise TokenError(
                    f"client {name} acts as {before['role']} for {before['organisation']}; "
                    f"to make it {role} for {organisation.code}, say so (--change-scope), or "
                    "issue a client with another name"
                )
            details["previous"] = before
        user.role, user.organisation, user.is_active = role, organisation, True
        user.save(update_fields=["role", "organisation", "is_active"])
        client.organisation = organisation
        client.token_hash = hash_token(token)
        client.revoked_at = None
        client.expires_at = timezone.now() + lifetime
        client.save(update_fields=["organisation", "token_hash", "revoked_at", "expires_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.CREATE,
        obj=client,
        reason="API token issued",
        details={**details, "expires_at": client.expires_at.isoformat()},
    )
    return client, token


@transaction.atomic
def rotate_client(
    *, client: ApiClient, days: int | None = None, actor_label: str = "command line"
) -> str:
    """A new token for the same client and scope; the old token stops working at once."""
    if client.revoked_at is not None:
        raise TokenError(f"client {client.name} is revoked: issue it again to use it")
    token = secrets.token_urlsafe(32)
    client.token_hash = hash_token(token)
    client.rotated_at = timezone.now()
    client.expires_at = client.rotated_at + _lifetime(days)
    client.save(update_fields=["token_hash", "rotated_at", "expires_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.UPDATE,
        obj=client,
        reason="API token rotated",
        details={"expires_at": client.expires_at.isoformat()},
    )
    return token


@transaction.atomic
def revoke_client(*, client: ApiClient, actor_label: str = "command line") -> None:
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.UPDATE,
        obj=client,
        reason="API token revoked",
    )


SECONDARY_USES = ("pseudonymised", "identifiable")


@transaction.atomic
def approve_secondary_use(
    *, client: ApiClient, level: str, approval: str, actor_label: str = "command line"
) -> ApiClient:
    """Approve a client for Bulk Data system-level export (ADR 117): `level` is "pseudonymised"
    or "identifiable", "" withdraws the approval; `approval` names what approved it (a data
    sharing agreement's reference). Only an analyst's client may be approved."""
    if level and level not in SECONDARY_USES:
        raise TokenError(f"a secondary use is one of: {', '.join(SECONDARY_USES)} (not {level!r})")
    if level and client.user.role != User.Role.ANALYST:
        raise TokenError(
            f"client {client.name} acts as {client.user.role}: only an analyst's client may be "
            "approved for secondary use"
        )
    if level and not approval.strip():
        raise TokenError("name the approval (e.g. the data sharing agreement's reference)")
    before = {"level": client.secondary_use, "approval": client.secondary_use_approval}
    client.secondary_use = level
    client.secondary_use_approval = approval.strip()[:200] if level else ""
    client.save(update_fields=["secondary_use", "secondary_use_approval"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.UPDATE,
        obj=client,
        reason="secondary use approved" if level else "secondary use withdrawn",
        details={"level": level, "approval": client.secondary_use_approval, "previous": before},
    )
    return client


def client_for_token(token: str) -> ApiClient | None:
    """The client a bearer token belongs to, while it is unrevoked, unexpired and its role is
    still an API client role."""
    client = (
        ApiClient.objects.select_related("user", "user__organisation", "organisation")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if client is None or not client.user.is_active:
        return None
    if client.expires_at is not None and client.expires_at <= timezone.now():
        return None
    if client.user.role not in API_CLIENT_ROLES:
        return None
    return client


# ---------------------------------------------------------------- stored resources (ADR 109)
#
# Create, update and delete over the FHIR API of the resources the shared record keeps as sent
# (ADR 0103): each write is a new version of the same `record.Resource` row (which holds its own
# timeline line, ADR 135), in one transaction with its audit row, authorised like an edit of the
# person's record.


class StaleResource(Exception):
    """`expected_version` is not the resource's current version."""

    def __init__(self, current: int) -> None:
        super().__init__(f"current version {current}")
        self.current = current


class NoSuchSubject(ValueError):
    """The resource names a person (its subject or patient) that caretrust does not hold."""

    def __init__(self, path: str, reference: str) -> None:
        super().__init__(f"{path} {reference!r} names no Patient held here")
        self.path, self.reference = path, reference


def _subject_person(content: dict):
    """(path, reference, the person) the resource is about: its first subject path that holds a
    reference; (path, reference, None) when that Patient is not held; None when it names nobody."""
    from caretrust.people.models import Person
    from caretrust.people.normalise import is_ref
    from caretrust.record.models import Resource
    from caretrust.record.summaries import SUBJECT_PATHS

    for path in SUBJECT_PATHS:
        holder = content.get(path)
        if isinstance(holder, dict) and isinstance(holder.get("reference"), str):
            reference = holder["reference"]
            kind, _, ident = reference.rpartition("/")
            if kind.rsplit("/", 1)[-1] not in ("Patient", "") or not ident:
                return path, reference, None
            person = None
            if is_ref(ident):
                person = Person.objects.filter(ref=ident).first()
            if person is None:
                row = (
                    Resource.objects.filter(
                        resource_type="Patient", logical_id=ident, deleted_at__isnull=True
                    )
                    .select_related("person")
                    .first()
                )
                person = row.person if row is not None else None
            return path, f"Patient/{ident}", person
    return None


def _unresolved(content: dict) -> list[dict]:
    """References to resources not held here (kept as sent and listed, as the importer does)."""
    from caretrust.ingest.fhir_import import RELATIVE_REF, _references
    from caretrust.people.models import Person
    from caretrust.people.normalise import is_ref
    from caretrust.record.models import Resource

    missing = []
    for path, holder in _references(content):
        reference = holder["reference"]
        if reference.startswith("#"):
            continue
        match = RELATIVE_REF.search(reference)
        if match is None or reference.startswith(("urn:", "http")) or "?" in reference:
            missing.append({"path": path, "reference": reference})
            continue
        kind, ident = match.group(1), match.group(2)
        held = Resource.objects.filter(resource_type=kind, logical_id=ident).exists() or (
            kind == "Patient" and is_ref(ident) and Person.objects.filter(ref=ident).exists()
        )
        if not held:
            missing.append({"path": path, "reference": reference})
    return missing


def _authorise_write(actor, person) -> None:
    from caretrust.access import policy

    if person is None:
        policy.require(actor, "fhir.write_reference_data")
    else:
        policy.require(actor, "people.edit_record", person.survivor())


@transaction.atomic
def write_stored(
    *,
    actor: User,
    source: str,
    resource_type: str,
    logical_id: str,
    content: dict,
    expected_version: int | None = None,
):
    """Create `resource_type/logical_id` with `content`, or write `content` as its next version
    (a deleted one comes back). Returns (the row, created). Raises StaleResource when
    `expected_version` is given and is not the current one, NoSuchSubject when the resource is
    about a person not held here, PermissionDenied when the actor may not change the record."""
    from caretrust.ingest.checks import content_hash
    from caretrust.ingest.fhir_import import _identifier_index
    from caretrust.record.models import Resource, ResourceVersion
    from caretrust.record.summaries import line_columns, summarise

    row = (
        Resource.objects.select_for_update(of=("self",))
        .filter(resource_type=resource_type, logical_id=logical_id)
        .select_related("person")
        .first()
    )
    if expected_version is not None:
        current = row.version_id if row is not None else 0
        if current != expected_version:
            raise StaleResource(current)
    content = dict(content)
    content["resourceType"], content["id"] = resource_type, logical_id
    meta = {k: v for k, v in (content.get("meta") or {}).items() if k not in SERVER_META}
    if meta:
        content["meta"] = meta
    else:
        content.pop("meta", None)
    if resource_type == "Patient":
        # A Patient a source sent keeps the person it was linked to; new people come through
        # the people index (POST Patient).
        if row is None:
            raise NoSuchSubject("id", f"Patient/{logical_id}")
        person, subject = row.person, row.subject_reference
    else:
        about = _subject_person(content)
        if about is not None and about[2] is None:
            raise NoSuchSubject(about[0], about[1])
        person, subject = (about[2], about[1]) if about is not None else (None, "")
        if person is not None:
            person = person.survivor()
    _authorise_write(actor, person)
    if row is not None and row.person_id and row.person_id != getattr(person, "pk", None):
        _authorise_write(actor, row.person)  # moving it off a record is a change to that record
    now = timezone.now()
    summary = summarise(content)
    fields = {
        "content": content,
        "content_hash": content_hash(content),
        "last_updated": now,
        "person": person,
        "status": summary.status,
        "date": summary.date,
        **line_columns(resource_type, summary),
        "subject_reference": subject,
        "identifier_index": _identifier_index(content),
        "unresolved": _unresolved(content),
        "quarantined": False,
        "deleted_at": None,
    }
    created = row is None
    if created:
        row = Resource.objects.create(
            resource_type=resource_type,
            logical_id=logical_id,
            version_id=1,
            source=source,
            source_id=logical_id,
            **fields,
        )
    else:
        ResourceVersion.objects.create(**ResourceVersion.superseding(row))
        for name, value in fields.items():
            setattr(row, name, value)
        row.version_id += 1
        row.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=row,
        person_ref=person.audit_ref if person is not None else "",
        details={"via": "fhir", "resource": f"{row}", "version": row.version_id},
    )
    return row, created


@transaction.atomic
def delete_stored(*, actor: User, row, expected_version: int | None = None):
    """Delete a stored resource: the delete is its new current version, kept in the row itself
    (`deleted_at`, the next `version_id`; its content the last one, for the record) once the
    version it supersedes is copied to ResourceVersion (ADR 134). Reads answer 410 Gone,
    searches leave it out, vread and history still work, and its line leaves the person's
    timeline (`Resource.has_line`)."""
    from caretrust.record.models import Resource, ResourceVersion

    row = Resource.objects.select_for_update(of=("self",)).select_related("person").get(pk=row.pk)
    if expected_version is not None and row.version_id != expected_version:
        raise StaleResource(row.version_id)
    if row.deleted_at is not None:
        return row
    _authorise_write(actor, row.person.survivor() if row.person_id else None)
    now = timezone.now()
    ResourceVersion.objects.create(**ResourceVersion.superseding(row))
    row.version_id += 1
    row.deleted_at = row.last_updated = now
    row.save(update_fields=["version_id", "deleted_at", "last_updated"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=row,
        person_ref=row.person.audit_ref if row.person_id else "",
        details={"via": "fhir", "resource": f"{row}", "version": row.version_id},
    )
    return row


SERVER_META = ("versionId", "lastUpdated")
