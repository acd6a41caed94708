"""Moved to `caretrust.ui.navigation` (ADR 75); this name stays for code written before the move."""

from caretrust.ui.navigation import NavItem, items_for, register  # noqa: F401
