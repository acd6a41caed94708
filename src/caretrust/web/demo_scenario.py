"""Moved to `caretrust.demo.scenario` (ADR 75); this name stays for code written before the move."""

from caretrust.demo.scenario import load_demo_scenario  # noqa: F401
