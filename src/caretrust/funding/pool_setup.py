"""Defining a pooled budget from a file: the Section 75 agreement's schedule, once a year.

```toml
name = "Bayside Better Care Fund"
financial_year_start = 2026-04-01
host = "DEMO-COUNCIL"                     # organisation code
[contributions]
DEMO-TRUST = "3900000.00"
DEMO-COUNCIL = "2600000.00"
[[lines]]
code = "home-care"
name = "Home care"
budget = "2600000.00"
service_kinds = ["home_care"]
funding_streams = ["council"]            # optional; default: council, reablement, aids and
                                         # adaptations, and NHS community services
partner_shares = { DEMO-COUNCIL = "1" } # optional
```
Running it again with the same file changes nothing; a changed amount updates it (audited).
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.funding.models import (
    POOL_FUNDED_STREAMS,
    PoolContribution,
    PooledBudget,
    ServiceLine,
)
from caretrust.organisations.models import Organisation


def _money(value: object, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{where}: {value!r} is not an amount of money") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(f"{where}: must be zero or more")
    return amount


def _organisation(code: str, where: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise ValidationError(f"{where}: no organisation with code {code!r}")
    return organisation


@transaction.atomic
def define_pool(path: Path, *, actor_label: str = "caretrust funding define-pool") -> PooledBudget:
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValidationError(f"{path}: {error}") from None
    for field in ("name", "financial_year_start", "host", "contributions", "lines"):
        if field not in spec:
            raise ValidationError(f"{path}: {field} is missing")
    start = spec["financial_year_start"]
    if not isinstance(start, date) or (start.month, start.day) != (4, 1):
        raise ValidationError(
            f"{path}: financial_year_start must be a 1 April date, e.g. 2026-04-01"
        )
    pool, created = PooledBudget.objects.update_or_create(
        name=spec["name"],
        financial_year_start=start,
        defaults={"host_organisation": _organisation(spec["host"], f"{path}: host")},
    )
    for code, amount in spec["contributions"].items():
        PoolContribution.objects.update_or_create(
            pool=pool,
            partner=_organisation(code, f"{path}: contributions.{code}"),
            defaults={"amount": _money(amount, f"{path}: contributions.{code}")},
        )
    for number, line in enumerate(spec["lines"], start=1):
        where = f"{path}: lines[{number}]"
        for field in ("code", "name", "budget"):
            if field not in line:
                raise ValidationError(f"{where}.{field} is missing")
        shares = {
            k: str(_money(v, f"{where}.partner_shares.{k}"))
            for k, v in line.get("partner_shares", {}).items()
        }
        streams = line.get("funding_streams", list(POOL_FUNDED_STREAMS))
        if not isinstance(streams, list) or not all(isinstance(s, str) for s in streams):
            raise ValidationError(f"{where}.funding_streams must be a list of funding streams")
        ServiceLine.objects.update_or_create(
            pool=pool,
            code=line["code"],
            defaults={
                "name": line["name"],
                "budget": _money(line["budget"], f"{where}.budget"),
                "service_kinds": list(line.get("service_kinds", [])),
                "funding_streams": streams,
                "partner_shares": shares,
            },
        )
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=pool,
        details={"file": str(path), "lines": len(spec["lines"])},
    )
    return pool
