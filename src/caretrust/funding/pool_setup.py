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
delivered_visits_are_actuals = true      # optional: visits done, priced by the catalogue

[risk_share]                             # optional; default: by contributions
description = "The first £200,000 of an overspend by contribution, the rest by the council"
overspend = [{ up_to = "200000.00", shares = "contributions" }, { shares = { DEMO-COUNCIL = "1" } }]
underspend = [{ shares = "contributions" }]
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


def _risk_share(spec: dict, partners: set[str], path: Path) -> dict:
    """The agreement's risk share as stored: bands of money and shares that add up to 1."""
    if not spec:
        return {}
    stored: dict = {"description": str(spec.get("description", ""))}
    for kind in ("overspend", "underspend"):
        bands = spec.get(kind, [{"shares": "contributions"}])
        where = f"{path}: risk_share.{kind}"
        if not isinstance(bands, list) or not bands:
            raise ValidationError(f"{where} must be a list of bands")
        out, last = [], Decimal(0)
        for number, band in enumerate(bands, start=1):
            up_to = band.get("up_to")
            if (up_to is None) != (number == len(bands)):
                raise ValidationError(
                    f"{where}[{number}]: every band but the last needs up_to; the last has none"
                )
            if up_to is not None:
                amount = _money(up_to, f"{where}[{number}].up_to")
                if amount <= last:
                    raise ValidationError(f"{where}[{number}].up_to must be more than the last")
                last, up_to = amount, str(amount)
            shares = band.get("shares", "contributions")
            if shares != "contributions":
                if not isinstance(shares, dict) or set(shares) - partners:
                    raise ValidationError(
                        f"{where}[{number}].shares: name partners that contribute, or "
                        '"contributions"'
                    )
                values = {k: _money(v, f"{where}[{number}].shares.{k}") for k, v in shares.items()}
                if sum(values.values(), Decimal(0)) != 1:
                    raise ValidationError(f"{where}[{number}].shares must add up to 1")
                shares = {k: str(v) for k, v in values.items()}
            out.append({"up_to": up_to, "shares": shares})
        stored[kind] = out
    return stored


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
    pool.risk_share = _risk_share(spec.get("risk_share", {}), set(spec["contributions"]), path)
    pool.save(update_fields=["risk_share"])
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
                "delivered_visits_are_actuals": bool(
                    line.get("delivered_visits_are_actuals", False)
                ),
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
