"""Funding streams carry their authority (ADR 73): a plan line funded by a stream that makes it
free needs the decision or entitlement behind that stream, current on the line's start date.

- NHS Continuing Healthcare: a current ICB eligibility decision (pathways.md §3: "never mark a
  line CHC-funded without a current ICB decision"). `caretrust.chc` registers the real check from
  its AppConfig.ready() (ADR 85); the stub below, which refuses every CHC line, stands only where
  that app is not installed (careplans never imports chc).
- Section 117 aftercare: a recorded s117 entitlement (`caretrust.entitlements`).
- Reablement: a reablement episode covering the start (`caretrust.entitlements`).

Council-funded lines and the financial assessment belong to the money area; the other streams
have no check here. Each area registers a check with `register(stream, check)`; a check returns
None when the authority is there, else the reason the line is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from caretrust.people.models import Person

Check = Callable[[Person, date], str | None]
_checks: dict[str, Check] = {}

CHC_MISSING = "needs a current NHS Continuing Healthcare eligibility decision"


def register(stream: str, check: Check) -> None:
    _checks[stream] = check


def missing(person: Person, stream: str, on: date) -> str | None:
    """Why a line of this stream starting `on` has no authority, or None if it has (or needs none)."""
    check = _checks.get(stream)
    return check(person, on) if check else None


def needs_authority(stream: str) -> bool:
    return stream in _checks


def _chc(person: Person, on: date) -> str | None:
    # Replaced by caretrust.chc's check at start-up; without that app, always refused.
    return f"{CHC_MISSING} (an ICB decision recorded in caretrust); none is recorded"


def _s117(person: Person, on: date) -> str | None:
    from caretrust.entitlements.selectors import s117_in_force

    if s117_in_force(person, on):
        return None
    return (
        f"needs a recorded section 117 aftercare entitlement current on {on:%d %B %Y}; "
        "record it on the person's free care entitlements page"
    )


def _reablement(person: Person, on: date) -> str | None:
    from caretrust.entitlements.selectors import reablement_in_force

    if reablement_in_force(person, on):
        return None
    return (
        f"needs a reablement episode covering {on:%d %B %Y}; "
        "record it on the person's free care entitlements page"
    )


register("nhs_chc", _chc)
register("s117", _s117)
register("reablement", _reablement)
