"""The CapabilityStatement, generated from the handler registry so it never claims more."""

from __future__ import annotations

from caretrust import __version__
from caretrust.fhir import registry

INTERACTION_CODES = {
    "read": "read",
    "vread": "vread",
    "search": "search-type",
    "create": "create",
    "update": "update",
    "delete": "delete",
    "history": "history-instance",
}


def statement(base_url: str) -> dict:
    resources = []
    for resource_type, handler in registry.handlers().items():
        interactions = handler.interactions()
        entry: dict = {
            "type": resource_type,
            "interaction": [{"code": INTERACTION_CODES[i]} for i in interactions],
            "versioning": "versioned-update" if "update" in interactions else "versioned",
            "readHistory": "vread" in interactions,
            "updateCreate": False,
            "conditionalCreate": False,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
        }
        if handler.profiles:
            entry["supportedProfile"] = list(handler.profiles)
        if handler.documentation:
            entry["documentation"] = handler.documentation
        if "search" in interactions:
            entry["searchParam"] = [
                {"name": name, "type": kind} for name, kind in handler.search_params.items()
            ]
            if handler.search_includes:
                entry["searchInclude"] = list(handler.search_includes)
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "software": {"name": "caretrust", "version": __version__},
        "implementation": {"description": "caretrust shared care record", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {"text": "Bearer token issued per API client, scoped to an organisation"}
                    ],
                    "description": "Send Authorization: Bearer <token>. Every read and write is "
                    "authorised like the web app (legitimate relationship or break-glass) and "
                    "audited.",
                },
                "resource": resources,
            }
        ],
    }
