"""Charging rule sets and council policy as TOML data (docs/adr/0020-charging-rules-as-data.md)."""
