"""The CapabilityStatement, generated from the handler registry so it never claims more."""

from __future__ import annotations

from caretrust import __version__
from caretrust.fhir import chaining, everything, history, registry
from caretrust.fhir.interactions import includes, revincludes
from caretrust.fhir.search_parameters import definition

INTERACTION_CODES = {
    "read": "read",
    "vread": "vread",
    "search": "search-type",
    "create": "create",
    "update": "update",
    "patch": "patch",
    "delete": "delete",
    "history": "history-instance",
}


BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"
# Bulk Data $export at Patient and Group level (ADR 117).
BULK_OPERATIONS = {
    "Patient": {
        "name": "export",
        "definition": f"{BULK_DATA}/OperationDefinition/patient-export",
    },
    "Group": {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/group-export"},
}


COMMON_SEARCH_PARAMS = [
    {
        "name": "_count",
        "type": "number",
        "documentation": "Page size, at most 100; 0 gives Bundle.total and no entries.",
    },
    {
        "name": "_total",
        "type": "token",
        "documentation": "none | estimate | accurate: Bundle.total is given (counted) unless none.",
    },
    {
        "name": "_summary",
        "type": "token",
        "documentation": "true | text | data | count | false; results tagged SUBSETTED.",
    },
    {
        "name": "_elements",
        "type": "string",
        "documentation": "Top-level elements to return (mandatory ones are kept); tagged "
        "SUBSETTED.",
    },
    {
        "name": "_sort",
        "type": "string",
        "documentation": "Per type, as its documentation lists; unsupported sorts are ignored "
        "and reported, or refused with Prefer: handling=strict.",
    },
]


def _search_param(handler: registry.ResourceHandler, name: str, kind: str) -> dict:
    param: dict = {"name": name, "type": kind}
    canonical = definition(handler.resource_type, name)
    if canonical:
        param["definition"] = canonical
    notes = []
    modifiers = handler.search_modifiers.get(name)
    if modifiers:
        notes.append("Modifiers: " + ", ".join(f":{m}" for m in modifiers) + ".")
    if name in chaining.chainable(handler):
        # R4's CapabilityStatement has no element for chains: said here (ADR 0121).
        notes.append(
            "Chains (one level, to Patient): "
            + ", ".join(f"{name}.{chain}" for chain in chaining.chain_names())
            + f"; also {name}:Patient.<parameter>."
        )
    if notes:
        param["documentation"] = " ".join(notes)
    return param


def _has_param() -> dict:
    """`_has` on Patient (ADR 0121): R4 defines it in search.html, with no SearchParameter."""
    through = [
        f"{kind}:{name}"
        for kind, handler in registry.handlers().items()
        if _stores(handler) and not isinstance(handler, registry.Layered)
        for name in chaining.chainable(handler)
    ]
    return {
        "name": "_has",
        "type": "special",
        "documentation": "_has:Type:reference:parameter=value, one level, over the types the "
        "shared record keeps, with the parameters and modifiers their search takes: "
        + ", ".join(through)
        + ".",
    }


OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def statement(base_url: str) -> dict:
    resources = []
    for resource_type, handler in registry.handlers().items():
        interactions = handler.interactions()
        if "read" in interactions and "update" in interactions:
            # A patch is a read, the patch applied, and an update (interactions.py).
            interactions.insert(interactions.index("update") + 1, "patch")
        searches = "search" in interactions
        entry: dict = {
            "type": resource_type,
            "interaction": [{"code": INTERACTION_CODES[i]} for i in interactions],
            "versioning": "versioned-update" if "update" in interactions else "versioned",
            "readHistory": "vread" in interactions,
            # Only the shared record's stored types take a new id from the client (ADR 109).
            "updateCreate": "update" in interactions and _stores(handler),
            "conditionalCreate": searches and "create" in interactions,
            "conditionalRead": "not-match",  # If-None-Match on read: 304
            "conditionalUpdate": searches and "update" in interactions,
            "conditionalDelete": "single"
            if searches and "delete" in interactions
            else ("not-supported"),
        }
        if "read" not in interactions:
            entry.pop("conditionalRead")
        if handler.profiles:
            entry["supportedProfile"] = list(handler.profiles)
        if handler.documentation:
            entry["documentation"] = handler.documentation
        if "search" in interactions:
            entry["searchParam"] = [
                _search_param(handler, name, kind) for name, kind in handler.search_params.items()
            ]
            if handler.search_sorts:
                entry["documentation"] = (
                    f"{entry.get('documentation', '')} _sort: "
                    f"{', '.join(handler.search_sorts)} (a leading - for descending)."
                ).strip()
            if resource_type == "Patient":
                entry["searchParam"].append(_has_param())
            iterated = includes(resource_type)
            included = [*handler.search_includes]
            included += [f"{v}:iterate" for v in iterated if f"{v}:iterate" not in included]
            if included:
                entry["searchInclude"] = included
            reverse = revincludes(resource_type)
            if reverse:
                entry["searchRevInclude"] = [*reverse, *(f"{v}:iterate" for v in reverse)]
            if resource_type == "Patient" or history.keeps_versions(handler):
                entry["interaction"].append({"code": "history-type"})
        if resource_type == "Patient":
            entry["operation"] = [everything.OPERATION]
        if resource_type in BULK_OPERATIONS:
            entry["operation"] = [*entry.get("operation", []), BULK_OPERATIONS[resource_type]]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "software": {"name": "caretrust", "version": __version__},
        "implementation": {"description": "caretrust shared care record", "url": base_url},
        "fhirVersion": "4.0.1",
        "instantiates": [f"{BULK_DATA}/CapabilityStatement/bulk-data"],
        "format": ["application/fhir+json", "application/fhir+xml"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    # SMART Backend Services (ADR 113): where to get a token.
                    "extension": [
                        {
                            "url": OAUTH_URIS,
                            "extension": [{"url": "token", "valueUri": f"{base_url}/auth/token"}],
                        }
                    ],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ],
                            "text": "SMART Backend Services (client_credentials, private_key_jwt, "
                            "system scopes), or a static bearer token issued per API client",
                        }
                    ],
                    "description": "Send Authorization: Bearer <token>: an access token from "
                    f"{base_url}/auth/token (see {base_url}/.well-known/smart-configuration), "
                    "limited to its system scopes, or a static token. Every read and write is "
                    "authorised like the web app (a legitimate relationship from workflow; an API "
                    "client never uses break-glass) and audited.",
                },
                "resource": resources,
                # Result parameters every search takes (ADR 0119); unknown parameters are
                # ignored and reported unless the request says Prefer: handling=strict.
                "searchParam": COMMON_SEARCH_PARAMS,
                # POST [base] with a Bundle (ADR 109).
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},  # ADR 0121
                ],
                # Bulk Data system-level export (ADR 117).
                "operation": [
                    {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/export"}
                ],
            }
        ],
    }


def _stores(handler: registry.ResourceHandler) -> bool:
    from caretrust.fhir.handlers import StoredResourceHandler

    stored = handler.stored if isinstance(handler, registry.Layered) else handler
    return isinstance(stored, StoredResourceHandler)
