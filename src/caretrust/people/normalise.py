"""How the people index writes a postcode and a sex code, and recognises a person's ref: one
place for the intake form, the importers, the FHIR API and record linkage (no Django)."""

from __future__ import annotations

import re
import uuid

_NOT_POSTCODE = re.compile(r"[^A-Z0-9]")

# Sex as files and forms give it (NHS Data Dictionary codes 1/2, initials, words) → our code.
SEX_CODES = {
    "1": "male",
    "2": "female",
    "m": "male",
    "f": "female",
    "male": "male",
    "female": "female",
}


def normalise_postcode(value: object) -> str:
    """Capitals, letters and digits only, one space before the last three ('sw1a1aa' →
    'SW1A 1AA'); '' for nothing."""
    compact = _NOT_POSTCODE.sub("", str(value or "").upper())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def is_ref(value: str) -> bool:
    """Whether `value` can be a person's (or any object's) ref: a UUID."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
