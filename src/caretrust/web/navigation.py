"""Moved to `caretrust.ui.navigation` (ADR 75); the old names stay importable."""

from caretrust.ui.navigation import (  # noqa: F401
    NavItem,
    account_items_for,
    items_for,
    register,
)
