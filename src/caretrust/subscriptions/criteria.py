"""The subset of `Subscription.criteria` caretrust supports: the Tasks of referrals the client's
organisation sent, and nothing else (ADR 0114).

- `Task?requester=Organization/<the client's organisation code>`: every referral it sent;
- `Task?_id=<id>` or `Task?focus=ServiceRequest/<id>`: one referral it sent;
- either with `&status=<code>[,<code>...]`: only those Task statuses.

Anything else (another type, another organisation, other parameters, a referral the client may
not see) is refused, naming what is wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from caretrust.referrals import lifecycle

SUPPORTED = (
    "Task?requester=Organization/<your organisation code>, Task?_id=<referral id> or "
    "Task?focus=ServiceRequest/<referral id>, optionally with &status=<code>[,<code>]"
)


class CriteriaRefused(ValueError):
    pass


@dataclass(frozen=True)
class Criteria:
    organisation_code: str | None = None  # every referral the organisation sent
    referral_uuid: uuid.UUID | None = None  # one referral
    statuses: list[str] = field(default_factory=list)


def parse(criteria: str) -> Criteria:
    resource_type, _, query = (criteria or "").strip().partition("?")
    if resource_type != "Task":
        raise CriteriaRefused(f"only Task criteria are supported: {SUPPORTED}")
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise CriteriaRefused("each criteria parameter may be given once")
    params = dict(pairs)
    unknown = set(params) - {"requester", "_id", "focus", "status"}
    if unknown:
        raise CriteriaRefused(
            f"criteria parameter {sorted(unknown)[0]!r} is not supported: {SUPPORTED}"
        )
    chosen = [name for name in ("requester", "_id", "focus") if name in params]
    if len(chosen) != 1:
        raise CriteriaRefused(f"give exactly one of requester, _id or focus: {SUPPORTED}")
    statuses: list[str] = []
    if "status" in params:
        statuses = [s.strip() for s in params["status"].split(",") if s.strip()]
        wrong = [s for s in statuses if s not in lifecycle.TRANSITIONS]
        if not statuses or wrong:
            raise CriteriaRefused(f"status {(wrong or [''])[0]!r} is not a Task status")
    name, value = chosen[0], params[chosen[0]].strip()
    if name == "requester":
        code = value.removeprefix("Organization/")
        if not code or code == value:
            raise CriteriaRefused("requester must be Organization/<your organisation code>")
        return Criteria(organisation_code=code, statuses=statuses)
    if name == "focus":
        if not value.startswith("ServiceRequest/"):
            raise CriteriaRefused("focus must be ServiceRequest/<referral id>")
        value = value.removeprefix("ServiceRequest/")
    try:
        key = uuid.UUID(value)
    except ValueError:
        raise CriteriaRefused(f"{name} {value!r} is not a referral id") from None
    return Criteria(referral_uuid=key, statuses=statuses)
