"""Seeded, bounded generators of malformed input: FHIR API requests and import files (issue 13).

Plain `random.Random(seed)`: the same seed gives the same cases, so a failure is reproducible
from its index; sizes are capped so a run takes seconds, not minutes.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

SEED = 13
NHS = "9434765919"

TYPES = [
    "Patient",
    "ServiceRequest",
    "Task",
    "CarePlan",
    "CareTeam",
    "QuestionnaireResponse",
    "Condition",
    "Encounter",
    "Observation",
    "Unknown",
    "patient",
    "Bundle",
]
BAD_IDS = [
    "abc",
    "a" * 64,
    "1",
    "-1",
    "..",
    ".",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid-but-long-enough-123456789",
    "é",
    "%00",
    "x%00y",
    "a" * 65,
    "%2e%2e",
    "12345678-1234-1234-1234-1234567890ab",
    "Z" * 10,
]
BAD_VERSIONS = ["1", "2", "0", "abc", "-1", "1.5", "99999999999999999999999", "%00", "1e3"]
SEARCH_VALUES = [
    "",
    " ",
    "abc",
    "2020",
    "2020-01",
    "2020-13-45",
    "ge2020-01-01",
    "xx2020",
    "ap2020",
    "9999-12",
    "0000",
    "ge99999",
    "lt-1",
    "%00",
    "a%00b",
    "https://fhir.nhs.uk/Id/nhs-number|" + NHS,
    "|",
    "||",
    "a" * 3000,
    "Patient/abc",
    "Patient/00000000-0000-0000-0000-000000000000",
    "é€𝄞",
    "active,completed",
    "1e400",
    "-0",
    "true",
]
PARAM_NAMES = [
    "identifier",
    "name",
    "family",
    "given",
    "birthdate",
    "gender",
    "_lastUpdated",
    "subject",
    "patient",
    "date",
    "status",
    "_count",
    "_cursor",
    "_include",
    "_format",
    "unknown",
    "_sort",
    "code",
    "name:exact",
    "_id",
]
COUNT_VALUES = ["abc", "-5", "0", "1", "1e9", "99999999999999999999", " 3", "%00", "", "100000"]
CURSOR_VALUES = ["abc", "-1", "0", "99999999999999999999999", "%00", "1.5", "", "9" * 400]
CONTENT_TYPES = [
    "application/fhir+json",
    "application/json",
    "text/plain",
    "application/fhir+xml",
    "",
    "application/json; charset=utf-16",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
]
METHODS = ["GET", "GET", "GET", "POST", "POST", "PUT", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


@dataclass
class Request:
    method: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str = "application/fhir+json"
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # what the generator meant to break, for the report


def patient(rng: random.Random) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [
            {
                "system": "https://fhir.nhs.uk/Id/nhs-number",
                "value": rng.choice([NHS, "9434765870", "123"]),
            }
        ],
        "name": [{"family": rng.choice(["Smith", "Brontë", "O'Neil"]), "given": ["Edith"]}],
        "gender": rng.choice(["female", "male", "other", "unknown"]),
        "birthDate": "1941-03-02",
        "address": [{"postalCode": "TQ1 1AA"}],
    }


def service_request(rng: random.Random, subject: str) -> dict:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": subject},
        "priority": rng.choice(["routine", "urgent", "asap", "stat"]),
        "reasonCode": [{"text": "Fell at home; lives alone with heart failure."}],
        "category": [{"coding": [{"code": rng.choice(["gp", "self", "x"])}]}],
    }


def nested(depth: int, leaf: object = "x") -> object:
    value: object = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


WEIRD_VALUES: list = [
    None,
    "",
    " ",
    "\x00",
    "a\x00b",
    0,
    -1,
    2**64,
    1e308,
    True,
    [],
    {},
    [None],
    {"": None},
    "\ud800",
    "é€𝄞",
    "x" * 5000,
    [[[]]],
    "2099-01-01",
    "1800-01-01",
    "Patient/abc",
    {"reference": None},
    {"reference": 5},
    [{"text": None}],
]


def mutate(resource: dict, rng: random.Random) -> tuple[dict, str]:
    """One malformation of a valid resource: a value of the wrong kind somewhere in it."""
    resource = copy.deepcopy(resource)
    choice = rng.randrange(8)
    if choice == 0:  # replace a top-level element
        key = rng.choice([*resource, "extension", "id", "meta", "text", "contained"])
        resource[key] = rng.choice(WEIRD_VALUES)
        return resource, f"top-level {key}"
    if choice == 1:  # replace somewhere deeper
        holder: object = resource
        path = []
        for _ in range(4):
            if isinstance(holder, dict) and holder:
                key = rng.choice(list(holder))
                path.append(key)
                if not isinstance(holder[key], (dict, list)) or rng.random() < 0.3:
                    holder[key] = rng.choice(WEIRD_VALUES)
                    break
                holder = holder[key]
            elif isinstance(holder, list) and holder:
                index = rng.randrange(len(holder))
                path.append(str(index))
                if not isinstance(holder[index], (dict, list)) or rng.random() < 0.3:
                    holder[index] = rng.choice(WEIRD_VALUES)
                    break
                holder = holder[index]
            else:
                break
        return resource, "deep " + ".".join(map(str, path))
    if choice == 2:
        resource["extension"] = [{"url": "x", "valueString": nested(rng.choice([10, 70, 500]))}]
        return resource, "nesting"
    if choice == 3:
        resource.pop(rng.choice(list(resource)))
        return resource, "element removed"
    if choice == 4:
        resource["name"] = rng.choice(
            [
                [{"family": ""}],
                [{"family": " "}],
                [{"given": [" "]}],
                [{}],
                [{"text": "   "}],
                [{"family": "\t"}],
                "Smith",
            ]
        )
        return resource, "blank name"
    if choice == 5:
        resource["birthDate"] = rng.choice(
            [
                "2099-01-01",
                "1800-01-01",
                "0001-01-01",
                "9999-12-31",
                "2020-02-30",
                "2020",
                "20200101",
                "",
            ]
        )
        return resource, "dates"
    if choice == 6:
        resource[rng.choice(["unknownElement", "_birthDate", "modifierExtension"])] = rng.choice(
            WEIRD_VALUES
        )
        return resource, "unknown element"
    resource["resourceType"] = rng.choice(["patient", "", None, 5, "Observation", "Bundle"])
    return resource, "resourceType"


def raw_body(rng: random.Random, resource: dict) -> tuple[bytes, str]:
    """A body that is not the JSON of a resource at all."""
    text = json.dumps(resource)
    choice = rng.randrange(12)
    if choice == 0:
        return b"", "empty"
    if choice == 1:
        return rng.choice(
            [b"[]", b"null", b"1", b'"x"', b"[{}]", json.dumps([resource]).encode()]
        ), "not an object"
    if choice == 2:
        return text[: rng.randrange(len(text))].encode(), "truncated"
    if choice == 3:
        return codecs.BOM_UTF8 + text.encode(), "utf-8 bom"
    if choice == 4:
        return text.encode("utf-16"), "utf-16"
    if choice == 5:
        return text.replace("Edith", "Édith").encode("latin-1", "replace"), "latin-1"
    if choice == 6:
        return text.replace('"Edith"', '"Ed\\u0000ith"').encode(), "escaped NUL"
    if choice == 7:
        return text.encode().replace(b"Edith", b"Ed\x00ith"), "raw NUL"
    if choice == 8:
        depth = rng.choice([100, 1_000, 100_000])
        return (
            b'{"resourceType": "Patient", "extension": ' + b"[" * depth + b"]" * depth + b"}",
            "deep",
        )
    if choice == 9:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), "random bytes"
    if choice == 10:
        return text.replace(
            "1941-03-02", '1941-03-02", "birthDate": "2099-01-01'
        ).encode(), "duplicate key"
    return (text[:-1] + ', "x": ' + "1" * 5000 + "}").encode(), "huge number"


def issue_cases(patient_id: str) -> list[Request]:
    """The requests issue 13 reported as 500s, first in every run."""
    rng = random.Random(0)
    deep = b'{"resourceType": "Patient", "extension": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    service = service_request(rng, f"Patient/{patient_id}")
    cases = [
        Request("POST", "/fhir/Patient", body=deep, kind="issue: deep body"),
        Request("GET", f"/fhir/Patient/{patient_id}/_history/abc", kind="issue: _history/abc"),
        Request("GET", f"/fhir/Condition/{patient_id}/_history/abc", kind="issue: _history/abc"),
        Request(
            "POST",
            "/fhir/ServiceRequest",
            body=json.dumps({**service, "reasonCode": None}).encode(),
            kind="issue: reasonCode null",
        ),
        Request(
            "POST",
            "/fhir/Patient",
            body=json.dumps({**patient(rng), "name": [{"text": " "}]}).encode(),
            kind="issue: blank name",
        ),
        Request(
            "POST",
            "/fhir/Patient",
            body=json.dumps({**patient(rng), "name": [{"family": " "}]}).encode(),
            kind="issue: blank name",
        ),
        Request(
            "POST",
            "/fhir/Patient",
            body=json.dumps(patient(rng)).replace("Smith", "S\\u0000").encode(),
            kind="issue: NUL",
        ),
        Request("GET", "/fhir/Patient", query="name=a%00b", kind="issue: NUL in search"),
        Request("GET", "/fhir/Patient", query="_count=abc", kind="issue: bad _count"),
        Request(
            "GET", "/fhir/Patient", query="_cursor=99999999999999999999999", kind="issue: cursor"
        ),
        Request(
            "POST",
            "/fhir/Patient",
            body=json.dumps({**patient(rng), "text": {"div": "x" * 3_000_000}}).encode(),
            kind="issue: huge body",
        ),
    ]
    cases += write_cases(patient_id)
    for case in cases:
        case.headers["Authorization"] = "Bearer TOKEN"
    return cases


def write_cases(patient_id: str) -> list[Request]:
    """Malformed writes of ADR 109: Bundles at the base, JSON Patches, conditional writes."""
    subject = {"reference": f"Patient/{patient_id}"}
    condition = {"resourceType": "Condition", "code": {"text": "x"}, "subject": subject}
    entries: list = [
        None,
        [],
        {},
        {"request": None},
        {"request": {"method": "POST"}},
        {"request": {"method": "FETCH", "url": "Condition"}},
        {"request": {"method": "POST", "url": "Condition/1/2/3"}},
        {"request": {"method": "POST", "url": "condition"}, "resource": condition},
        {"request": {"method": "PUT", "url": "Condition?"}, "resource": condition},
        {"request": {"method": "PATCH", "url": "Condition/x"}, "resource": {"data": 5}},
        {
            "request": {"method": "PATCH", "url": "Condition/x"},
            "resource": {
                "resourceType": "Binary",
                "contentType": "application/json-patch+json",
                "data": "%%%",
            },
        },
        {
            "request": {"method": "POST", "url": "Condition"},
            "resource": {**condition, "subject": {"reference": "Patient?identifier=%00"}},
        },
        {
            "request": {"method": "POST", "url": "Condition"},
            "resource": {**condition, "subject": {"reference": "Nonsense?x=1"}},
        },
        {"request": {"method": "GET", "url": "Condition?_count=abc"}},
        {"request": {"method": "GET", "url": "Condition/x/_history/abc"}},
        {"request": {"method": "DELETE", "url": "Condition?colour=blue"}},
    ]
    out = []
    for kind in ("transaction", "batch", "collection", None, 5):
        for entry in entries:
            bundle = {"resourceType": "Bundle", "type": kind, "entry": [entry]}
            out.append(Request("POST", "/fhir/", body=json.dumps(bundle).encode(), kind="bundle"))
    out.append(
        Request("POST", "/fhir", body=b'{"resourceType": "Bundle", "entry": 7}', kind="bundle")
    )
    for ops in ([{"op": "boom"}], {"op": "add"}, [{"op": "replace", "path": 5}], "x", [None]):
        out.append(
            Request(
                "PATCH",
                f"/fhir/Patient/{patient_id}",
                body=json.dumps(ops).encode(),
                content_type="application/json-patch+json",
                kind="json patch",
            )
        )
    for method in ("PUT", "DELETE", "PATCH"):
        out.append(
            Request(method, "/fhir/Condition", query="identifier=%00", kind="conditional write")
        )
    return out


def focused_requests(count: int, *, patient_id: str, seed: int) -> list[Request]:
    """Authenticated requests to endpoints that exist, so the malformation reaches a handler:
    searches with fuzzed parameters, reads and vreads of the known Patient, and creates and
    updates with mutated or raw bodies."""
    rng = random.Random(seed)
    out = []
    searchable = ["Patient", "ServiceRequest", "Task", "CarePlan", "Condition", "Encounter"]
    for _ in range(count):
        roll = rng.random()
        if roll < 0.35:
            rtype = rng.choice(searchable)
            params = []
            for _ in range(rng.randrange(1, 4)):
                name = rng.choice(PARAM_NAMES[:13])
                value = (
                    rng.choice(COUNT_VALUES)
                    if name == "_count"
                    else rng.choice(CURSOR_VALUES)
                    if name == "_cursor"
                    else rng.choice([*SEARCH_VALUES, f"Patient/{patient_id}", patient_id])
                )
                params.append(f"{name}={value}")
            request = Request(
                "GET", f"/fhir/{rtype}", query="&".join(params), kind="focused search"
            )
        elif roll < 0.5:
            rtype = rng.choice(["Patient", "Task", "ServiceRequest", "Condition"])
            tail = rng.choice(["", "/_history", f"/_history/{rng.choice(BAD_VERSIONS)}"])
            request = Request("GET", f"/fhir/{rtype}/{patient_id}{tail}", kind="focused read")
        else:
            method = rng.choice(["POST", "POST", "PUT"])
            if method == "PUT":
                rtype, base = "Patient", patient(rng)
                path = f"/fhir/Patient/{patient_id}"
            elif rng.random() < 0.5:
                rtype, base = "Patient", patient(rng)
                path = "/fhir/Patient"
            else:
                rtype, base = "ServiceRequest", service_request(rng, f"Patient/{patient_id}")
                path = "/fhir/ServiceRequest"
            if rng.random() < 0.7:
                mutated, what = mutate(base, rng)
                body = json.dumps(mutated).encode()
            else:
                body, what = raw_body(rng, base)
            request = Request(method, path, body=body, kind=f"focused {method} {rtype} {what}")
            if rng.random() < 0.2:
                request.headers["If-Match"] = rng.choice(
                    ['W/"1"', "abc", 'W/"99999999999999999999"']
                )
        request.headers["Authorization"] = "Bearer TOKEN"
        out.append(request)
    return out


def api_requests(count: int, *, patient_id: str, seed: int = SEED) -> list[Request]:
    rng = random.Random(seed)
    out: list[Request] = issue_cases(patient_id)
    out += focused_requests(count * 3 // 10, patient_id=patient_id, seed=seed + 1)
    big = 0
    while len(out) < count:
        method = rng.choice(METHODS)
        rtype = rng.choice(TYPES)
        if method in ("POST", "PUT") and rng.random() < 0.6:
            rtype = rng.choice(["Patient", "Patient", "ServiceRequest"])
        shape = rng.randrange(10)
        rid = rng.choice([patient_id, *BAD_IDS])
        if shape < 3:
            path = f"/fhir/{rtype}"
        elif shape < 6:
            path = f"/fhir/{rtype}/{rid}"
        elif shape == 6:
            path = f"/fhir/{rtype}/{rid}/_history"
        elif shape == 7:
            path = f"/fhir/{rtype}/{rid}/_history/{rng.choice(BAD_VERSIONS)}"
        elif shape == 8:
            path = rng.choice(
                [
                    "/fhir/metadata",
                    "/fhir/",
                    "/fhir/Patient/_search",
                    "/fhir/$export",
                    "/fhir/Patient/x/y/z",
                    "/fhir/Patient/%00",
                    "/fhir/metadata/x",
                ]
            )
        else:
            path = f"/fhir/Patient/{patient_id}" if rng.random() < 0.5 else "/fhir/Patient"
            rtype = "Patient"
        request = Request(method, path)
        request.headers["Authorization"] = rng.choice(
            ["Bearer TOKEN"] * 8 + ["", "Bearer", "Bearer nonsense", "Basic YTpi", "bearer TOKEN "]
        )
        kind = f"{method} {path.split('/')[2] if path.count('/') > 1 else path}"
        if method == "GET":
            params = []
            for _ in range(rng.randrange(4)):
                name = rng.choice(PARAM_NAMES)
                value = (
                    rng.choice(COUNT_VALUES)
                    if name == "_count"
                    else rng.choice(CURSOR_VALUES)
                    if name == "_cursor"
                    else rng.choice(SEARCH_VALUES)
                )
                params.append(f"{name}={value}")
            request.query = "&".join(params)
            kind += " search"
        elif method in ("POST", "PUT"):
            base = (
                service_request(rng, f"Patient/{patient_id}")
                if rtype == "ServiceRequest"
                else patient(rng)
            )
            if rtype not in ("Patient", "ServiceRequest"):
                base["resourceType"] = rtype
            if method == "PUT" and rng.random() < 0.5:
                base["id"] = rng.choice([patient_id, "other", 5])
            roll = rng.random()
            if roll < 0.15:
                body, what = json.dumps(base).encode(), "valid"
            elif roll < 0.65:
                mutated, what = mutate(base, rng)
                body = json.dumps(mutated).encode()
            else:
                body, what = raw_body(rng, base)
            if rng.random() < 0.01 and big < 3:  # a few bodies past the size limit
                big += 1
                body, what = json.dumps({**base, "text": {"div": "x" * 3_000_000}}).encode(), "huge"
            request.body = body
            request.content_type = rng.choice(CONTENT_TYPES[:2] * 6 + CONTENT_TYPES)
            if rng.random() < 0.15:
                request.headers["If-Match"] = rng.choice(
                    ['W/"1"', "abc", '"99999999999999999999"', "", 'W/"%00"']
                )
            if rng.random() < 0.15:
                request.headers["If-None-Exist"] = rng.choice(
                    [
                        "identifier=https://fhir.nhs.uk/Id/nhs-number|" + NHS,
                        "",
                        "?",
                        "x=1",
                        "identifier=a%00b",
                        "birthdate=notadate",
                        "_count=abc",
                        "name=" + "a" * 500,
                    ]
                )
            kind += f" {what}"
        request.kind = kind
        out.append(request)
    return out


# ----------------------------------------------------------------------------------- files

CLD_HEADER = [
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "NHS_Number",
    "First_Name",
    "Last_Name",
    "Date_of_Birth",
    "Gender",
    "Date_of_Death",
    "Client_Type",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
    "Service_Type",
    "Service_Component",
    "Unit_Cost",
    "Planned_units_per_week",
]


def cld_row(rng: random.Random, n: int) -> dict:
    start = date(2024, 4, 1) + timedelta(days=rng.randrange(60))
    return {
        "LA_Code": "E06000027",
        "Reporting_Period_Start_Date": "2024-04-01",
        "Reporting_Period_End_Date": "2024-06-30",
        "LA_Person_Unique_Identifier": f"C{n}",
        "NHS_Number": rng.choice(["", NHS, "123"]),
        "First_Name": "Edith",
        "Last_Name": "Smith",
        "Date_of_Birth": "02/03/1941",
        "Gender": "2",
        "Date_of_Death": "",
        "Client_Type": "Service user",
        "Event_Type": rng.choice(["Service", "Request", "Assessment", "Review"]),
        "Event_Reference": f"E{n}",
        "Event_Start_Date": start.isoformat(),
        "Event_End_Date": (start + timedelta(days=5)).isoformat(),
        "Event_Outcome": "Continuation",
        "Service_Type": "Long Term Support: Community",
        "Service_Component": "Home Care",
        "Unit_Cost": "25.50",
        "Planned_units_per_week": "3",
    }


CLD_WEIRD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "2099-01-01",
    "1800-01-01",
    "31/02/2020",
    "abc",
    "é",
    "x" * 2000,
    '"',
    "a,b",
    "line\nbreak",
    "NaN",
    "1e999",
    "-0",
    "Infinity",
    "\r",
]


def cld_file(rng: random.Random, n: int) -> tuple[str, bytes, str]:
    rows = [cld_row(rng, n * 100 + i) for i in range(rng.randrange(1, 6))]
    for row in rows:
        if rng.random() < 0.7:
            row[rng.choice(CLD_HEADER)] = rng.choice(CLD_WEIRD)
    text = io.StringIO()
    header = list(CLD_HEADER)
    if rng.random() < 0.1:
        header.remove(rng.choice(header[:3]))
    writer = csv.DictWriter(text, header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    if rng.random() < 0.3:
        rows.append(rows[0])
        writer.writerow(rows[0])
    data = text.getvalue()
    choice = rng.randrange(10)
    if choice == 0:
        return f"f{n}.csv", b"", "empty"
    if choice == 1:
        return f"f{n}.csv", data.encode("utf-16"), "utf-16"
    if choice == 2:
        return f"f{n}.csv", data.replace("Smith", "Brontë").encode("cp1252", "replace"), "cp1252"
    if choice == 3:
        return f"f{n}.csv", codecs.BOM_UTF8 + data.encode(), "bom"
    if choice == 4:
        raw = bytearray(data.encode())
        for _ in range(rng.randrange(1, 10)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return f"f{n}.csv", bytes(raw), "flipped bytes"
    if choice == 5:
        return f"f{n}.csv", data.encode()[: rng.randrange(1, len(data))], "truncated"
    if choice == 6:
        return f"f{n}.csv", data.encode() + b'E06000027,"unterminated\n' * 3, "bad quoting"
    if choice == 7:
        return f"f{n}.csv", data.encode() + b"," * 5000 + b"\n", "many fields"
    return f"f{n}.csv", data.encode(), "values"


def fhir_resource(rng: random.Random, n: int) -> dict:
    if rng.random() < 0.5:
        resource = patient(rng)
        resource["id"] = f"p{n}"
        return resource
    return {
        "resourceType": "Condition",
        "id": f"c{n}",
        "subject": {"reference": f"Patient/p{n}"},
        "code": {"text": "Atrial fibrillation"},
        "onsetDateTime": "2020-05-01",
    }


def fhir_file(rng: random.Random, n: int) -> tuple[str, bytes, str]:
    resources = [fhir_resource(rng, n * 100 + i) for i in range(rng.randrange(1, 5))]
    kinds = []
    for i, resource in enumerate(resources):
        if rng.random() < 0.6:
            resources[i], what = mutate(resource, rng)
            kinds.append(what)
    if rng.random() < 0.2:
        resources.append(json.loads(json.dumps(resources[0])))
        kinds.append("duplicate")
    shape = rng.randrange(3)
    if shape == 0:
        name = f"f{n}.ndjson"
        data = "".join(json.dumps(r) + "\n" for r in resources).encode()
    elif shape == 1:
        name = f"f{n}.json"
        data = json.dumps(
            {
                "resourceType": "Bundle",
                "type": rng.choice(["collection", "transaction", "batch"]),
                "entry": [
                    {
                        "fullUrl": f"urn:uuid:{i}",
                        "resource": r,
                        "request": rng.choice(
                            [{"method": "POST"}, None, {"method": "DELETE"}, "x"]
                        ),
                    }
                    for i, r in enumerate(resources)
                ],
            }
        ).encode()
    else:
        name = f"f{n}.json"
        data = json.dumps(resources[0]).encode()
    choice = rng.randrange(12)
    if choice == 0:
        return name, b"", "empty"
    if choice == 1:
        return name, data.decode().encode("utf-16"), "utf-16"
    if choice == 2:
        return (
            name,
            data.decode()
            .replace("Smith", "Brontë")
            .encode("latin-1", "replace")
            .replace(b"Bront?", b"Bront\xeb"),
            "latin-1",
        )
    if choice == 3:
        return name, codecs.BOM_UTF8 + data, "bom"
    if choice == 4:
        return name, data[: rng.randrange(1, len(data))], "truncated"
    if choice == 5:
        raw = bytearray(data)
        for _ in range(rng.randrange(1, 10)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return name, bytes(raw), "flipped bytes"
    if choice == 6:
        return name, json.dumps(resources).encode(), "top-level list"
    if choice == 7:
        depth = rng.choice([100, 10_000, 100_000])
        return (
            name,
            b'{"resourceType": "Bundle", "entry": ' + b"[" * depth + b"]" * depth + b"}",
            "deep",
        )
    if choice == 8:
        return (
            name,
            data.replace(b'"Edith"', b'"Ed\x00ith"').replace(b"Atrial", b"\x00Atrial"),
            "raw NUL",
        )
    return name, data, ", ".join(kinds) or "valid"


def import_files(count: int, seed: int = SEED) -> list[tuple[str, str, bytes, str]]:
    """(importer, file name, content, what) for `count` files, half FHIR and half CLD."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        if n % 2:
            out.append(("cld", *cld_file(rng, n)))
        else:
            out.append(("fhir", *fhir_file(rng, n)))
    return out
