"""The conformance suite of issue #19 (ADR 0123): every interaction and search feature the
CapabilityStatement lists, each proved against a live server with raw HTTP and with at least one
real client library: fhirpy, the SMART on FHIR Python client (`fhirclient`) and the JavaScript
`fhir-kit-client` (run with Node through kit.mjs), on whichever database the run uses (SQLite,
and PostgreSQL in `make test-postgres`).

How it fits together:
- `features(statement)` derives the feature list from the CapabilityStatement the server
  generates, so a feature the registry starts to claim appears here without anyone adding it.
  Types whose entries are the same but for their name (the 116 types the shared record keeps as
  sent) share one handler: they are one *kind*, named by a representative (Observation).
- A check is a list of `Call`s (what a client asks) and a `verify` that judges the answers. The
  same calls go to every client; each runner says which calls its library can express (fhirclient
  sends no headers of its own, fhirpy only reads and searches here, fhir-kit-client has no
  conditional delete and reads no XML), and a check counts for a client only when the library can
  express every call in it.
- `COVERAGE` maps each feature to its checks and the clients able to run them; the completeness
  test fails when a feature has no raw-HTTP check or no client check, and the live tests run every
  check on every client `COVERAGE` names, so the table claims nothing that was not run.
- With `CARETRUST_CONFORMANCE_TABLE=docs/fhir-conformance.md` the live tests write the feature x
  client table there.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from fhirpy import SyncFHIRClient

from caretrust.fhir import capability, registry, smart
from caretrust.fhir.services import approve_secondary_use, issue_client
from caretrust.organisations.models import Organisation
from tests.factories import person_row, winifred

NHS = "https://fhir.nhs.uk/Id/nhs-number"
SYS = "https://conformance.example.org/id"
KIT = Path(__file__).with_name("kit.mjs")
ROOT = Path(__file__).parents[3]
CLIENTS = ("raw HTTP", "fhir-kit-client", "fhirclient", "fhirpy")
LIBRARIES = CLIENTS[1:]
DUMMY_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
}


# ------------------------------------------------------------------- features, from the statement


def kinds(statement: dict) -> dict[str, list[str]]:
    """Kind name -> the types it stands for. Types share a kind when the same handler class
    serves them and their entries differ only by the type's own name."""
    handlers = registry.handlers()
    groups: dict[str, list[str]] = {}
    for entry in statement["rest"][0]["resource"]:
        name = entry["type"]
        same = {k: v for k, v in entry.items() if k != "type"}
        if "documentation" in same:
            same["documentation"] = re.sub(rf"\b{name}\b", "T", same["documentation"])
        if "searchParam" in same:
            # Which R4 definition a parameter follows differs by type (Observation-subject,
            # clinical-patient) without changing what the server does with it.
            same["searchParam"] = [
                {k: v for k, v in p.items() if k != "definition"} for p in same["searchParam"]
            ]
        if "searchInclude" in same:
            same["searchInclude"] = [i.split(":", 1)[1] for i in same["searchInclude"]]
        key = type(handlers[name]).__name__ + json.dumps(same, sort_keys=True)
        groups.setdefault(key, []).append(name)
    named = {}
    for types in groups.values():
        representative = "Observation" if "Observation" in types else types[0]
        named[representative] = types
    return named


def modifiers(param: dict) -> list[str]:
    text = param.get("documentation", "")
    if not text.startswith("Modifiers: "):
        return []
    return [m.strip().lstrip(":") for m in text.removeprefix("Modifiers: ").rstrip(".").split(",")]


def sorts(entry: dict) -> list[str]:
    found = re.search(r"_sort: ([^(]*)\(", entry.get("documentation", ""))
    return [s.strip() for s in found.group(1).split(",")] if found else []


def features(statement: dict) -> list[str]:
    """Every interaction and search feature the statement lists, one string each."""
    rest = statement["rest"][0]
    by_kind = kinds(statement)
    kind_of = {t: k for k, types in by_kind.items() for t in types}
    entries = {e["type"]: e for e in rest["resource"]}
    found = [f"format {mime}" for mime in statement["format"]]
    found += [f"system {i['code']}" for i in rest.get("interaction", [])]
    found += [f"system ${o['name']}" for o in rest.get("operation", [])]
    found += [f"search {p['name']}" for p in rest.get("searchParam", [])]
    for kind in by_kind:
        entry = entries[kind]
        found += [f"{kind} {i['code']}" for i in entry["interaction"]]
        for flag in ("conditionalCreate", "conditionalUpdate", "updateCreate"):
            if entry.get(flag):
                found.append(f"{kind} {flag}")
        for flag in ("conditionalDelete", "conditionalRead"):
            if entry.get(flag, "not-supported") != "not-supported":
                found.append(f"{kind} {flag}")
        for param in entry.get("searchParam", []):
            found.append(f"{kind} search {param['name']}")
            found += [f"{kind} search {param['name']}:{m}" for m in modifiers(param)]
        found += [f"{kind} _sort {s}" for s in sorts(entry)]
        for include in entry.get("searchInclude", []):
            found.append(f"{kind} _include {kind}:{include.split(':', 1)[1]}")
        reverse = []
        for include in entry.get("searchRevInclude", []):
            source, param = include.split(":", 1)
            reverse.append(f"{kind} _revinclude {kind_of[source]}:{param}")
        found += list(dict.fromkeys(reverse))
        found += [f"{kind} ${o['name']}" for o in entry.get("operation", [])]
    return found


# ------------------------------------------------------------------------------ calls and answers


@dataclass
class Call:
    op: str  # read vread history create update conditional-update patch delete
    # conditional-delete search search-pages transaction batch operation capabilities
    type: str | None = None
    id: str | None = None
    version: str | None = None
    params: dict[str, str] | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    post: bool = False  # POST [type]/_search
    name: str | None = None  # an operation's name, with its $
    token: str = "coordinator"  # whose bearer token

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    status: int | None  # None: the library does not say (fhirclient's reads: 2xx)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


def resources(bundle: dict, mode: str = "match") -> list[dict]:
    return [
        e["resource"]
        for e in bundle.get("entry") or []
        if (e.get("search") or {}).get("mode", "match") == mode
    ]


def ids(answer: Answer, mode: str = "match") -> list[str]:
    assert answer.status in (200, None), (answer.status, answer.body, answer.error)
    assert answer.body["resourceType"] == "Bundle", answer.body
    assert not resources(answer.body, "outcome"), resources(answer.body, "outcome")
    return [r["id"] for r in resources(answer.body, mode)]


def status(answer: Answer, *expected: int) -> None:
    ok = answer.status in expected or (answer.status is None and not answer.error)
    assert ok, (answer.status, expected, answer.body, answer.error)


# --------------------------------------------------------------------------------------- runners


class Runner:
    name = ""

    def __init__(self, world: World) -> None:
        self.world = world

    @classmethod
    def can(cls, call: Call) -> bool:
        raise NotImplementedError

    def run(self, calls: list[Call]) -> list[Answer]:
        raise NotImplementedError


def query(call: Call) -> str:
    return urlencode(call.params or {})


class Raw(Runner):
    """requests: every call, written out by hand."""

    name = "raw HTTP"

    @classmethod
    def can(cls, call: Call) -> bool:
        return True

    def path(self, call: Call) -> str:
        base = self.world.base
        if call.op in ("read", "update", "patch", "delete"):
            return f"{base}/{call.type}/{call.id}"
        if call.op == "vread":
            return f"{base}/{call.type}/{call.id}/_history/{call.version}"
        if call.op == "history":  # instance, type or system history, as the call names
            where = "/".join(p for p in (call.type, call.id) if p)
            return f"{base}/{where + '/' if where else ''}_history?{query(call)}"
        if call.op in ("create",):
            return f"{base}/{call.type}"
        if call.op in ("conditional-update", "conditional-delete", "search", "search-pages"):
            if call.post:
                return f"{base}/{call.type}/_search"
            return f"{base}/{call.type}?{query(call)}"
        if call.op in ("transaction", "batch"):
            return base
        if call.op == "operation":
            where = "/".join(p for p in (call.type, call.id) if p)
            return f"{base}/{where + '/' if where else ''}{call.name}?{query(call)}"
        if call.op == "capabilities":
            return f"{base}/metadata"
        raise AssertionError(call.op)

    def run(self, calls: list[Call]) -> list[Answer]:
        return [self.one(call) for call in calls]

    def one(self, call: Call) -> Answer:
        method = {
            "create": "POST",
            "transaction": "POST",
            "batch": "POST",
            "update": "PUT",
            "conditional-update": "PUT",
            "patch": "PATCH",
            "delete": "DELETE",
            "conditional-delete": "DELETE",
        }.get(call.op, "POST" if call.post else "GET")
        headers = {
            "Authorization": f"Bearer {self.world.tokens[call.token]}",
            "Accept": "application/fhir+json",
            **call.headers,
        }
        data = None
        if call.post:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = query(call)
        elif call.body is not None:
            headers.setdefault(
                "Content-Type",
                "application/json-patch+json" if call.op == "patch" else "application/fhir+json",
            )
            data = json.dumps(call.body)
        response = requests.request(method, self.path(call), headers=headers, data=data, timeout=60)
        answer = Answer(response.status_code, decode(response), dict(response.headers))
        if call.op == "search-pages":
            pages = [answer.body]
            while response.status_code == 200:
                following = [x["url"] for x in pages[-1].get("link", []) if x["relation"] == "next"]
                if not following:
                    break
                response = requests.get(following[0], headers=headers, timeout=60)
                pages.append(decode(response))
            answer.body = pages
        answer.headers = {k.lower(): v for k, v in answer.headers.items()}
        return answer


def decode(response: requests.Response) -> Any:
    if not response.content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        return response.json()
    return response.text


class Kit(Runner):
    """fhir-kit-client through Node: each call through the client's method for it."""

    name = "fhir-kit-client"
    OPS = {
        "read",
        "vread",
        "history",
        "create",
        "update",
        "conditional-update",
        "patch",
        "delete",
        "search",
        "search-pages",
        "transaction",
        "batch",
        "operation",
        "capabilities",
    }

    @classmethod
    def can(cls, call: Call) -> bool:
        # It parses every answer as JSON: an XML read is beyond it.
        return call.op in cls.OPS and "xml" not in call.headers.get("Accept", "")

    def run(self, calls: list[Call]) -> list[Answer]:
        payload = []
        for call in calls:
            sent = call.as_json()
            if call.token != "coordinator":
                sent["headers"] = {
                    **call.headers,
                    "Authorization": f"Bearer {self.world.tokens[call.token]}",
                }
            payload.append(sent)
        done = subprocess.run(
            [shutil.which("node") or "node", str(KIT)],
            input=json.dumps(
                {
                    "base": self.world.base,
                    "token": self.world.tokens["coordinator"],
                    "calls": payload,
                }
            ),
            capture_output=True,
            text=True,
            timeout=600,
            cwd=KIT.parent,
        )
        assert done.returncode == 0, done.stderr
        return [Answer(**r) for r in json.loads(done.stdout)]


def fhirclient_model(resource_type: str):
    module = importlib.import_module(f"fhirclient.models.{resource_type.lower()}")
    return getattr(module, resource_type)


class SmartPython(Runner):
    """fhirclient (SMART on FHIR): authorised as a SMART Backend Services client (its own
    client_credentials flow with our signed assertion); resources through its R4 models, which
    parse every answer strictly; writes through its FHIRServer methods (they return the
    response). It sends no headers of its own choosing, so no If-Match, Prefer, If-None-Exist,
    patch or POST _search."""

    name = "fhirclient"
    OPS = {
        "read",
        "vread",
        "history",
        "create",
        "update",
        "conditional-update",
        "delete",
        "conditional-delete",
        "search",
        "search-pages",
        "transaction",
        "batch",
        "operation",
        "capabilities",
    }

    def __init__(self, world: World) -> None:
        super().__init__(world)
        from fhirclient import client

        smart_client = client.FHIRClient(
            settings={
                "app_id": "conformance-smart",
                "api_base": world.base,
                "jwt_token": world.smart_assertion(),
                "scope": "system/*.cruds",
            }
        )
        smart_client.wants_patient = False  # a backend service has no patient launch
        smart_client.prepare()  # reads the token endpoint from the CapabilityStatement
        smart_client.server.authorize()
        assert smart_client.ready
        self.server = smart_client.server

    @classmethod
    def can(cls, call: Call) -> bool:
        headers = {k for k in call.headers if k != "Accept"}
        return call.op in cls.OPS and not headers and not call.post and call.token == "coordinator"

    def run(self, calls: list[Call]) -> list[Answer]:
        answers = []
        for call in calls:
            try:
                answers.append(self.one(call))
            except Exception as exc:  # the library raises for every 4xx and 5xx
                response = getattr(exc, "response", None)
                if response is None:
                    answers.append(Answer(None, error=repr(exc)))
                else:
                    answers.append(Answer(response.status_code, decode(response)))
        return answers

    def one(self, call: Call) -> Answer:
        from fhirclient.models.bundle import Bundle
        from fhirclient.models.fhirsearch import FHIRSearch

        server = self.server
        if call.op == "read" and "xml" in call.headers.get("Accept", ""):
            text = server.request_data(f"{call.type}/{call.id}", headers=call.headers)
            return Answer(None, text.decode())
        if call.op == "read":
            return Answer(None, fhirclient_model(call.type).read(call.id, server).as_json())
        if call.op == "vread":
            path = f"{call.type}/{call.id}/_history/{call.version}"
            return Answer(None, fhirclient_model(call.type).read_from(path, server).as_json())
        if call.op == "history":
            where = "/".join(p for p in (call.type, call.id) if p)
            path = f"{where + '/' if where else ''}_history"
            return Answer(None, Bundle.read_from(path, server).as_json())
        if call.op in ("search", "search-pages"):
            search = FHIRSearch(fhirclient_model(call.type), call.params)
            pages = [b.as_json() for b in search.perform_iter(server)]
            return Answer(None, pages if call.op == "search-pages" else pages[0])
        if call.op == "operation":
            path = "/".join(p for p in (call.type, call.id, call.name) if p)
            if call.params:
                path += f"?{query(call)}"
            return Answer(None, Bundle.read_from(path, server).as_json())
        if call.op == "capabilities":
            server.get_capability(force=True)
            return Answer(None, server.capabilityStatement.as_json())
        if call.op in ("transaction", "batch"):
            response = server.post_json("", Bundle(call.body).as_json())
        elif call.op == "create":
            model = fhirclient_model(call.type)(call.body)
            response = server.post_json(model.relativeBase(), model.as_json())
        elif call.op == "update":
            model = fhirclient_model(call.type)(call.body)
            response = server.put_json(model.relativePath(), model.as_json())
        elif call.op == "conditional-update":
            model = fhirclient_model(call.type)(call.body)
            response = server.put_json(f"{call.type}?{query(call)}", model.as_json())
        elif call.op == "delete":
            response = server.delete_json(f"{call.type}/{call.id}")
        elif call.op == "conditional-delete":
            response = server.delete_json(f"{call.type}?{query(call)}")
        else:
            raise AssertionError(call.op)
        return Answer(
            response.status_code,
            decode(response),
            {k.lower(): v for k, v in response.headers.items()},
        )


class Fhirpy(Runner):
    """fhirpy: reads and searches (its writes are proved in test_conformance_writes.py)."""

    name = "fhirpy"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.client = SyncFHIRClient(
            world.base, authorization=f"Bearer {world.tokens['coordinator']}"
        )

    @classmethod
    def can(cls, call: Call) -> bool:
        return (
            call.op in ("read", "search", "search-pages")
            and not call.headers
            and not call.post
            and call.token == "coordinator"
        )

    def run(self, calls: list[Call]) -> list[Answer]:
        answers = []
        for call in calls:
            try:
                if call.op == "read":
                    found = self.client.reference(call.type, call.id).to_resource()
                    answers.append(Answer(None, found.serialize()))
                    continue
                search = self.client.resources(call.type).search(**(call.params or {}))
                if call.op == "search":
                    answers.append(Answer(None, plain(search.fetch_raw())))
                else:
                    pages = []
                    page = search.fetch_raw()
                    while page is not None:
                        pages.append(plain(page))
                        following = [x for x in page.get("link", []) if x["relation"] == "next"]
                        page = (
                            self.client.execute(following[0]["url"], method="get")
                            if following
                            else None
                        )
                    answers.append(Answer(None, pages))
            except Exception as exc:
                answers.append(Answer(None, error=repr(exc)))
        return answers


def plain(found: Any) -> Any:
    """fhirpy's Bundle (its entries made resource objects, all dicts) as plain JSON."""
    return json.loads(json.dumps(found, default=str))


RUNNERS: dict[str, type[Runner]] = {
    "raw HTTP": Raw,
    "fhir-kit-client": Kit,
    "fhirclient": SmartPython,
    "fhirpy": Fhirpy,
}


# ----------------------------------------------------------------------------------- the world


# What a minimal valid resource of each kind looks like, and where it keeps what the common
# search parameters read (None: the type has no such element, so the parameter matches nothing).
KIND_SHAPES: dict[str, dict[str, Any]] = {
    "Observation": {
        "base": {"code": {"text": "Heart rate"}, "note": [{"text": "Taken at home"}]},
        "status": ("final", "amended"),
        "date": "effectiveDateTime",
        "subject": "subject",
    },
    "CarePlan": {"base": {"intent": "plan"}, "status": ("active", "completed"), "date": "period"},
    "CareTeam": {"base": {}, "status": ("active", "inactive"), "date": "period"},
    "Group": {"base": {"type": "person", "actual": True}, "subject": None},
    "Practitioner": {"base": {"name": [{"family": "Bevan", "given": ["Nye"]}]}, "subject": None},
    "QuestionnaireResponse": {
        "base": {},
        "status": ("completed", "amended"),
        "date": "authored",
        "single_identifier": True,
    },
    "ServiceRequest": {
        "base": {
            "intent": "order",
            "priority": "routine",
            "reasonCode": [{"text": "Fell at home"}],
        },
        "status": ("active", "completed"),
        "date": "authoredOn",
    },
    "Subscription": {
        "base": {
            "reason": "Follow my referrals",
            "criteria": "Task?requester=Organization/DEMO-GP1",
            "channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:9/hook"},
        },
        "status": ("off", "requested"),
        "subject": None,
        "identifier": False,
    },
    "Task": {
        "base": {"intent": "order"},
        "status": ("requested", "cancelled"),
        "date": "authoredOn",
        "subject": "for",
    },
}


def shape(kind: str) -> dict[str, Any]:
    return {
        "status": None,
        "date": None,
        "subject": "subject",
        "identifier": True,
        **KIND_SHAPES[kind],
    }


def sample(kind: str, ident: str, *, person: str, second: bool = False, dated: bool = True) -> dict:
    """A valid `kind` with identifier `ident`, about `person` (a Patient id); `second` takes the
    kind's other status."""
    how = shape(kind)
    body: dict[str, Any] = {"resourceType": kind, **json.loads(json.dumps(how["base"]))}
    if kind == "Subscription":
        body["channel"] = {**body["channel"], "endpoint": f"http://127.0.0.1:9/{ident}"}
    if how["identifier"]:
        identifier = {"system": SYS, "value": ident}
        body["identifier"] = identifier if how.get("single_identifier") else [identifier]
    if how["status"]:
        body["status"] = how["status"][1 if second else 0]
    if how["subject"]:
        body[how["subject"]] = {"reference": f"Patient/{person}"}
    if how["date"] and dated:
        day = "2021-05-01"
        body[how["date"]] = {"start": day} if how["date"] == "period" else day
    return body


@dataclass
class World:
    base: str
    tokens: dict[str, str]
    edith: str  # Patient ids
    albert: str
    albert_version: str = "1"
    edith_body: dict = field(default_factory=dict)  # her Patient as read before the checks
    # kind -> (a, b): a is about Edith, dated, first status; b about Albert, undated, second.
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)
    referral: str = ""  # a ServiceRequest made through the referral intake; its Task has its id
    subscription: str = ""  # a Subscription made through the subscriptions app
    # The Practitioner ids of two demo staff: the nurse (Priya Shah) first.
    staff: tuple[str, str] = ("nurse", "ot")
    smart_key: Any = None
    smart_token_url: str = ""

    def smart_assertion(self) -> str:
        from tests.fhir.test_smart_backend_services import assertion

        return assertion(self.smart_key, client_id="conformance-smart", aud=self.smart_token_url)

    @classmethod
    def placeholder(cls, statement: dict) -> World:
        """Ids that are only names: enough to see what each check would ask."""
        world = cls(
            "http://placeholder/fhir", dict.fromkeys(("coordinator", "analyst"), ""), "e", "a"
        )
        world.pairs = {k: (f"a-{k}", f"b-{k}") for k in kinds(statement)}
        world.referral = "r"
        return world


# ------------------------------------------------------------------------------------- checks


@dataclass
class Check:
    """`calls(world, tag)` are sent by one client (`tag` names it, so writes do not collide);
    `verify(world, answers)` raises when an answer is wrong."""

    name: str
    calls: Callable[[World, str], list[Call]]
    verify: Callable[[World, list[Answer]], None]


def pair_ids(world: World, kind: str) -> str:
    return ",".join(world.pairs[kind])


def _single(kind: str, answers: list[Answer], expected: list[str]) -> None:
    assert ids(answers[0]) == expected, (kind, ids(answers[0]), expected)


def history_of(kind: str | None) -> Check:
    """Type history (`kind`) or system history (None): a history Bundle, newest first, whose
    entries are versions of `kind` (of any type for the system), each with its request."""

    def verify(world: World, answers: list[Answer]) -> None:
        status(answers[0], 200)
        body = answers[0].body
        assert body["resourceType"] == "Bundle" and body["type"] == "history", body
        entries = body.get("entry", [])
        assert entries, "no versions at all"
        for entry in entries:
            assert entry["request"]["method"] in ("POST", "PUT", "DELETE"), entry
            if kind and "resource" in entry:
                assert entry["resource"]["resourceType"] == kind, entry
        stamps = [e["response"]["lastModified"] for e in entries if "response" in e]
        assert stamps == sorted(stamps, reverse=True), stamps

    name = f"{kind} type history" if kind else "system history"
    return Check(name, lambda w, t: [Call("history", kind)], verify)


def search_check(
    name: str,
    kind: str,
    params: Callable[[World], dict],
    expect: Callable[[World], list[str]],
    *,
    ordered: bool = False,
) -> Check:
    def verify(world: World, answers: list[Answer]) -> None:
        found = ids(answers[0])
        wanted = expect(world)
        if ordered:
            assert found == wanted, (name, found, wanted)
        else:
            assert sorted(found) == sorted(wanted), (name, found, wanted)

    return Check(name, lambda w, t: [Call("search", kind, params=params(w))], verify)


def interaction_checks(kind: str) -> dict[str, list[Check]]:
    """Checks for the kind's interactions and conditional flags; Patient has its own."""
    a = lambda w: w.pairs[kind][0]  # noqa: E731
    own = lambda w, t: sample(kind, f"{t}-x", person=w.edith)  # noqa: E731

    def tagged(t: str, what: str) -> str:
        return f"{what}-{re.sub('[^a-z]', '', t.lower())}"

    def read_ok(w, x):
        status(x[0], 200)
        assert x[0].body["resourceType"] == kind and x[0].body["id"] == a(w)

    def vread_ok(w, x):
        status(x[0], 200)
        assert x[0].body["id"] == a(w) and x[0].body["meta"]["versionId"] == "1"

    def history_ok(w, x):
        status(x[0], 200)
        assert x[0].body["type"] == "history" and x[0].body["entry"][-1]["resource"]["id"] == a(w)

    def created(x):
        status(x, 201)
        assert x.body is None or x.body["resourceType"] == kind

    def create_ok(w, x):
        created(x[0])
        if x[0].headers:
            assert f"/{kind}/" in x[0].headers["location"]

    def update_ok(w, x):
        created(x[0])
        status(x[1], 200)
        assert x[1].body["meta"]["versionId"] == "2"

    def patch_ok(w, x):
        created(x[0])
        status(x[1], 200)
        assert x[1].body["meta"]["versionId"] == "2" and x[1].body["language"] == "en-GB"

    def delete_ok(w, x):
        created(x[0])
        status(x[1], 200, 204)
        assert x[2].status == 410, (x[2].status, x[2].body, x[2].error)

    def cond_create_ok(w, x):
        created(x[0])
        status(x[1], 200)
        assert x[1].body["id"] == x[0].body["id"]

    def cond_update_ok(w, x):
        created(x[0])  # made by the first (Subscription: by a PUT to its id)
        status(x[-1], 200)
        assert x[-1].body["id"] == x[0].body["id"]
        if kind != "ServiceRequest":  # a referral sent again unchanged keeps its version
            assert x[-1].body["meta"]["versionId"] == str(len(x))

    def not_modified(w, x):
        assert x[0].status == 304, (x[0].status, x[0].body, x[0].error)

    key = lambda t, what: {"identifier": f"{SYS}|{tagged(t, what)}"}  # noqa: E731
    by_id = key
    if kind == "Subscription":
        # No identifier: a new one (the app's) is found by its endpoint; the app's own take no
        # update, so conditional updates and deletes are of copies kept as sent, found by _id.
        key = lambda t, what: {"url": f"http://127.0.0.1:9/{tagged(t, what)}"}  # noqa: E731
        by_id = lambda t, what: {"_id": tagged(t, what)}  # noqa: E731
    return {
        "read": [Check("read", lambda w, t: [Call("read", kind, a(w))], read_ok)],
        "vread": [Check("vread", lambda w, t: [Call("vread", kind, a(w), version="1")], vread_ok)],
        "history-instance": [
            Check("history", lambda w, t: [Call("history", kind, a(w))], history_ok)
        ],
        "history-type": [history_of(kind)],
        "search-type": [
            search_check("search by _id", kind, lambda w: {"_id": a(w)}, lambda w: [a(w)]),
            Check(
                "POST _search",
                lambda w, t: [Call("search", kind, params={"_id": a(w)}, post=True)],
                lambda w, x: _single(kind, x, [a(w)]),
            ),
        ],
        "create": [Check("create", lambda w, t: [Call("create", kind, body=own(w, t))], create_ok)],
        "update": [
            Check(
                "update",
                lambda w, t: [
                    Call("update", kind, tagged(t, "u"), body={**own(w, t), "id": tagged(t, "u")}),
                    Call(
                        "update",
                        kind,
                        tagged(t, "u"),
                        body={**own(w, t), "id": tagged(t, "u"), "language": "en"},
                    ),
                ],
                update_ok,
            )
        ],
        "updateCreate": [
            Check(
                "update to a new id",
                lambda w, t: [
                    Call("update", kind, tagged(t, "n"), body={**own(w, t), "id": tagged(t, "n")})
                ],
                lambda w, x: created(x[0]),
            )
        ],
        "patch": [
            Check(
                "JSON Patch",
                lambda w, t: [
                    Call("update", kind, tagged(t, "p"), body={**own(w, t), "id": tagged(t, "p")}),
                    Call(
                        "patch",
                        kind,
                        tagged(t, "p"),
                        body=[{"op": "add", "path": "/language", "value": "en-GB"}],
                    ),
                ],
                patch_ok,
            )
        ],
        "delete": [
            Check(
                "delete, then 410",
                lambda w, t: [
                    Call("update", kind, tagged(t, "d"), body={**own(w, t), "id": tagged(t, "d")}),
                    Call("delete", kind, tagged(t, "d")),
                    Call("read", kind, tagged(t, "d")),
                ],
                delete_ok,
            )
        ],
        "conditionalCreate": [
            Check(
                "If-None-Exist",
                lambda w, t: (
                    [
                        Call(
                            "create",
                            kind,
                            body=sample(kind, tagged(t, "cc"), person=w.edith),
                            headers={"If-None-Exist": urlencode(key(t, "cc"))},
                        )
                    ]
                    * 2
                ),
                cond_create_ok,
            )
        ],
        "conditionalUpdate": [
            Check(
                "PUT Type?criteria",
                lambda w, t: (
                    (
                        [
                            Call(
                                "update",
                                kind,
                                tagged(t, "cu"),
                                body={**own(w, t), "id": tagged(t, "cu")},
                            )
                        ]
                        if kind == "Subscription"
                        else []
                    )
                    + [
                        Call(
                            "conditional-update",
                            kind,
                            params=by_id(t, "cu"),
                            body=sample(kind, tagged(t, "cu"), person=w.edith),
                        )
                    ]
                    * 2
                ),
                cond_update_ok,
            )
        ],
        "conditionalDelete": [
            Check(
                "DELETE Type?criteria",
                lambda w, t: [
                    Call(
                        "update",
                        kind,
                        tagged(t, "cd"),
                        body={
                            **sample(kind, tagged(t, "cd"), person=w.edith),
                            "id": tagged(t, "cd"),
                        },
                    ),
                    Call("conditional-delete", kind, params=by_id(t, "cd")),
                    Call("read", kind, tagged(t, "cd")),
                ],
                delete_ok,
            )
        ],
        "conditionalRead": [
            Check(
                "If-None-Match: 304",
                lambda w, t: [Call("read", kind, a(w), headers={"If-None-Match": 'W/"1"'})],
                not_modified,
            )
        ],
    }


def search_param_checks(kind: str) -> dict[str, list[Check]]:
    """A check per search parameter and modifier of the kind's shape: each finds `a` or `b` of
    the kind's pair and not the other, so a parameter the server ignored could not pass."""
    how = shape(kind)
    a = lambda w: [w.pairs[kind][0]]  # noqa: E731
    b = lambda w: [w.pairs[kind][1]]  # noqa: E731
    both = lambda w: list(w.pairs[kind])  # noqa: E731
    none = lambda w: []  # noqa: E731
    within = lambda extra: lambda w: {"_id": pair_ids(w, kind), **extra(w)}  # noqa: E731
    first = (how["status"] or ("x-none",))[0]
    subject = how["subject"]
    found: dict[str, list[Check]] = {
        "_id": [search_check("_id", kind, lambda w: {"_id": w.pairs[kind][0]}, a)],
        "_lastUpdated": [
            search_check(
                "_lastUpdated ge", kind, within(lambda w: {"_lastUpdated": "ge2000-01-01"}), both
            ),
            search_check(
                "_lastUpdated lt", kind, within(lambda w: {"_lastUpdated": "lt2000-01-01"}), none
            ),
        ],
        "identifier": [
            search_check(
                "identifier system|value",
                kind,
                lambda w: {"identifier": f"{SYS}|{w.pairs[kind][0]}"},
                a if how["identifier"] else none,
            )
        ],
        "subject": [
            search_check(
                "subject",
                kind,
                within(lambda w: {"subject": f"Patient/{w.edith}"}),
                a if subject else none,
            )
        ],
        "patient": [
            search_check(
                "patient",
                kind,
                within(lambda w: {"patient": f"Patient/{w.edith}"}),
                a if subject else none,
            )
        ],
        "date": [
            search_check(
                "date ge",
                kind,
                within(lambda w: {"date": "ge2021-01-01"}),
                a if how["date"] else none,
            ),
            search_check("date lt", kind, within(lambda w: {"date": "lt2021-01-01"}), none),
        ],
        "date:missing": [
            search_check(
                "date:missing",
                kind,
                within(lambda w: {"date:missing": "true"}),
                b if how["date"] else both,
            )
        ],
        "status": [
            search_check(
                "status", kind, within(lambda w: {"status": first}), a if how["status"] else none
            )
        ],
        "status:not": [
            search_check(
                "status:not",
                kind,
                within(lambda w: {"status:not": first}),
                b if how["status"] else both,
            )
        ],
        "status:missing": [
            search_check(
                "status:missing",
                kind,
                within(lambda w: {"status:missing": "false"}),
                both if how["status"] else none,
            )
        ],
    }
    if kind == "Subscription":
        found["url"] = [
            search_check(
                "url", kind, lambda w: {"url": "http://127.0.0.1:9/app"}, lambda w: [w.subscription]
            )
        ]
    if kind == "Practitioner":
        # The name parameters search the staff directory (ADR 122): of two demo staff, each
        # finds the nurse (Priya Shah) and not the other, so an ignored parameter could not pass.
        nurse = lambda w: [w.staff[0]]  # noqa: E731
        among_staff = lambda extra: lambda w: {"_id": ",".join(w.staff), **extra}  # noqa: E731
        for param, value in (("name", "shah"), ("family", "Shah"), ("given", "Priya")):
            found[param] = [search_check(param, kind, among_staff({param: value}), nurse)]
    if kind == "Task":
        referral = lambda w: [w.referral]  # noqa: E731
        found["focus"] = [
            search_check(
                "focus", kind, lambda w: {"focus": f"ServiceRequest/{w.referral}"}, referral
            )
        ]
        found["owner"] = [
            search_check(
                "owner", kind, lambda w: {"owner": "torquay-mdt", "_id": w.referral}, referral
            )
        ]
        found["code"] = [
            search_check(
                "code",
                kind,
                lambda w: {
                    "code": "http://hl7.org/fhir/CodeSystem/task-code|fulfill",
                    "_id": w.referral,
                },
                referral,
            )
        ]
    return found


def sort_checks(kind: str) -> dict[str, list[Check]]:
    """Each sort both ways over the kind's pair (Patient: Edith and Albert); a resource without
    the value sorts last either way."""

    def order(name: str, ascending: list[str], descending: list[str] | None = None) -> list[Check]:
        def params(sort):
            if kind == "Patient":
                return lambda w: {"_id": f"{w.edith},{w.albert}", "_sort": sort}
            return lambda w: {"_id": pair_ids(w, kind), "_sort": sort}

        def names(which):
            def expect(w):
                mapping = (
                    {"a": w.edith, "b": w.albert}
                    if kind == "Patient"
                    else dict(zip("ab", w.pairs[kind], strict=True))
                )
                if which == "id":
                    return sorted(mapping.values())
                if which == "-id":
                    return sorted(mapping.values(), reverse=True)
                return [mapping[x] for x in which]

            return expect

        return [
            search_check(f"_sort={name}", kind, params(name), names(ascending), ordered=True),
            search_check(
                f"_sort=-{name}",
                kind,
                params(f"-{name}"),
                names(descending or ascending[::-1]),
                ordered=True,
            ),
        ]

    def by_last_updated(descending: bool) -> Check:
        def verify(w, x):
            found = resources(x[0].body)
            assert len(found) == 2, x[0].body
            stamps = [r["meta"]["lastUpdated"] for r in found]
            assert stamps == sorted(stamps, reverse=descending), stamps

        def calls(w, t):
            pair = f"{w.edith},{w.albert}" if kind == "Patient" else pair_ids(w, kind)
            sort = "-_lastUpdated" if descending else "_lastUpdated"
            return [Call("search", kind, params={"_id": pair, "_sort": sort})]

        return Check(f"_sort={'-' if descending else ''}_lastUpdated", calls, verify)

    return {
        "_id": order("_id", "id", "-id"),
        "_lastUpdated": [by_last_updated(False), by_last_updated(True)],
        "date": order("date", ["a", "b"], ["a", "b"]),  # b has no date: last both ways
        "birthdate": order("birthdate", ["a", "b"], ["a", "b"]),  # Albert has no birth date
        "family": order("family", ["a", "b"]),  # Quarrington, Quarry
        "given": order("given", ["b", "a"]),  # Albert, Winifred
    }


def include_check(kind: str, param: str) -> Check:
    def verify(w, x):
        assert ids(x[0]) == [w.pairs[kind][0]]
        # A kind that refers to no Patient (Group, Subscription) includes none.
        assert ids(x[0], "include") == ([w.edith] if shape(kind)["subject"] else []), x[0].body

    key, value = _include_parameter("_include", kind, param)
    if kind == "Task" and param.startswith("focus"):
        # The referral's Task (same id as its ServiceRequest) brings the ServiceRequest.
        def focus_ok(w, x):
            assert ids(x[0]) == [w.referral] and ids(x[0], "include") == [w.referral], x[0].body
            assert x[0].body["entry"][1]["resource"]["resourceType"] == "ServiceRequest"

        return Check(
            f"{key}={value}",
            lambda w, t: [Call("search", kind, params={"_id": w.referral, key: value})],
            focus_ok,
        )
    return Check(
        f"{key}={value}",
        lambda w, t: [Call("search", kind, params={"_id": w.pairs[kind][0], key: value})],
        verify,
    )


def _include_parameter(key: str, source: str, param: str) -> tuple[str, str]:
    """The statement lists `Type:param:iterate`; R4 asks for it as `_include:iterate=Type:param`
    (on the first round it includes what the plain form would; test_search_chaining.py proves the
    later rounds)."""
    if param.endswith(":iterate"):
        return f"{key}:iterate", f"{source}:{param.removesuffix(':iterate')}"
    return key, f"{source}:{param}"


def revinclude_check(kind: str, source: str, param: str) -> Check:
    key, value = _include_parameter("_revinclude", source, param)

    def calls(w, t):
        if kind == "ServiceRequest":
            return [Call("search", kind, params={"_id": w.referral, key: value})]
        return [Call("search", kind, params={"_id": w.edith, key: value})]

    def verify(w, x):
        brought = ids(x[0], "include")
        if kind == "ServiceRequest":
            assert ids(x[0]) == [w.referral] and brought == [w.referral], x[0].body
        else:
            assert ids(x[0]) == [w.edith]
            if shape(source)["subject"]:
                assert w.pairs[source][0] in brought, (brought, x[0].body)
                assert w.pairs[source][1] not in brought

    return Check(f"{key}={value}", calls, verify)


def nhs_number(seed: int) -> str:
    """A valid NHS number (modulus 11) from `seed`, in the 999 range kept for tests."""
    for n in range(seed * 10, seed * 10 + 1000):
        digits = [int(c) for c in f"999{n:06d}"]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)
    raise AssertionError(seed)


def patient(t: str, what: str) -> tuple[dict, str]:
    """A new Patient for client `t` and check `what`, and its NHS number."""
    number = nhs_number(sum(map(ord, f"{t}{what}")) * 7 % 90000)
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": number}],
        "name": [{"family": "Created", "given": [f"{what}{t[:4]}".replace(" ", "")]}],
        "gender": "male",
        "birthDate": "1950-01-01",
        # Registered at the client's practice: the client may then see whom it created.
        "generalPractitioner": [
            {
                "identifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "DEMO-GP1",
                }
            }
        ],
    }, number


def patient_checks() -> dict[str, list[Check]]:
    def read_ok(w, x):
        status(x[0], 200)
        assert x[0].body["resourceType"] == "Patient" and x[0].body["id"] == w.edith

    def created(x):
        status(x, 201)

    def vread_ok(w, x):
        status(x[0], 200)
        assert x[0].body["id"] == w.albert and x[0].body["meta"]["versionId"] == w.albert_version

    def history_ok(w, x):
        status(x[0], 200)
        assert (
            x[0].body["type"] == "history" and x[0].body["entry"][0]["resource"]["id"] == w.albert
        )

    def cond(w, x):
        created(x[0])
        status(x[1], 200)
        assert x[1].body["id"] == x[0].body["id"]

    def new_patient_calls(what, op, headers=False):
        def calls(w, t):
            body, number = patient(t, what)
            criteria = {"identifier": f"{NHS}|{number}"}
            if op == "create":
                extra = {"If-None-Exist": urlencode(criteria)} if headers else {}
                return [Call("create", "Patient", body=body, headers=extra)] * (2 if headers else 1)
            return [Call("conditional-update", "Patient", params=criteria, body=body)] * 2

        return calls

    def edith_changed(w, t):
        return {**w.edith_body, "telecom": [{"system": "phone", "value": f"01803 {len(t):06d}"}]}

    people = lambda w: {"_id": f"{w.edith},{w.albert}"}  # noqa: E731
    edith = lambda w: [w.edith]  # noqa: E731
    albert = lambda w: [w.albert]  # noqa: E731
    both = lambda w: [w.edith, w.albert]  # noqa: E731

    def among(extra):
        return lambda w: {**people(w), **extra}

    return {
        "read": [Check("read", lambda w, t: [Call("read", "Patient", w.edith)], read_ok)],
        "vread": [
            Check(
                "vread",
                lambda w, t: [Call("vread", "Patient", w.albert, version=w.albert_version)],
                vread_ok,
            )
        ],
        "history-instance": [
            Check(
                "history",
                lambda w, t: [Call("history", "Patient", w.albert)],
                history_ok,
            )
        ],
        "history-type": [history_of("Patient")],
        "search-type": [
            search_check("search by _id", "Patient", lambda w: {"_id": w.edith}, edith),
            Check(
                "POST _search",
                lambda w, t: [Call("search", "Patient", params={"_id": w.edith}, post=True)],
                lambda w, x: _single("Patient", x, [w.edith]),
            ),
        ],
        "create": [
            Check("create", new_patient_calls("create", "create"), lambda w, x: created(x[0]))
        ],
        "conditionalCreate": [
            Check("If-None-Exist", new_patient_calls("cc", "create", headers=True), cond)
        ],
        "conditionalUpdate": [
            Check("PUT Patient?identifier", new_patient_calls("cu", "update"), cond)
        ],
        "update": [
            Check(
                "update",
                lambda w, t: [Call("update", "Patient", w.edith, body=edith_changed(w, t))],
                lambda w, x: status(x[0], 200),
            )
        ],
        "patch": [
            Check(
                "JSON Patch",
                lambda w, t: [
                    Call(
                        "patch",
                        "Patient",
                        w.edith,
                        body=[{"op": "add", "path": "/active", "value": True}],
                    )
                ],
                lambda w, x: status(x[0], 200),
            )
        ],
        "conditionalRead": [
            Check(
                "If-None-Match: 304",
                lambda w, t: [
                    Call(
                        "read",
                        "Patient",
                        w.albert,
                        headers={"If-None-Match": f'W/"{w.albert_version}"'},
                    )
                ],
                lambda w, x: x[0].status == 304 or pytest.fail(f"{x[0].status} {x[0].body}"),
            )
        ],
        "_id": [search_check("_id", "Patient", lambda w: {"_id": w.albert}, albert)],
        # Edith has the kind's first Observation (a), Albert the second: `_has` finds her only.
        "_has": [
            search_check(
                "_has",
                "Patient",
                lambda w: {
                    **people(w),
                    "_has:Observation:patient:_id": w.pairs["Observation"][0],
                },
                edith,
            )
        ],
        "_lastUpdated": [
            search_check(
                "_lastUpdated ge", "Patient", among({"_lastUpdated": "ge2000-01-01"}), both
            ),
            search_check(
                "_lastUpdated lt", "Patient", among({"_lastUpdated": "lt2000-01-01"}), lambda w: []
            ),
        ],
        "identifier": [
            search_check(
                "identifier", "Patient", lambda w: {"identifier": f"{NHS}|9000000009"}, edith
            )
        ],
        "name": [search_check("name", "Patient", among({"name": "winif"}), edith)],
        "name:exact": [
            search_check("name:exact", "Patient", among({"name:exact": "Albert"}), albert)
        ],
        "name:contains": [
            search_check("name:contains", "Patient", among({"name:contains": "NIFR"}), edith)
        ],
        "family": [search_check("family", "Patient", among({"family": "quarr"}), both)],
        "family:exact": [
            search_check("family:exact", "Patient", among({"family:exact": "Quarry"}), albert)
        ],
        "family:contains": [
            search_check("family:contains", "Patient", among({"family:contains": "rringt"}), edith)
        ],
        "family:missing": [
            search_check("family:missing", "Patient", among({"family:missing": "false"}), both)
        ],
        "given": [search_check("given", "Patient", among({"given": "alb"}), albert)],
        "given:exact": [
            search_check("given:exact", "Patient", among({"given:exact": "Winifred"}), edith)
        ],
        "given:contains": [
            search_check("given:contains", "Patient", among({"given:contains": "lber"}), albert)
        ],
        "given:missing": [
            search_check("given:missing", "Patient", among({"given:missing": "true"}), lambda w: [])
        ],
        "birthdate": [
            search_check("birthdate", "Patient", among({"birthdate": "1941-03-02"}), edith)
        ],
        "birthdate:missing": [
            search_check(
                "birthdate:missing", "Patient", among({"birthdate:missing": "true"}), albert
            )
        ],
        "gender": [search_check("gender", "Patient", among({"gender": "female"}), edith)],
        "gender:not": [
            search_check("gender:not", "Patient", among({"gender:not": "female"}), albert)
        ],
        "gender:missing": [
            search_check("gender:missing", "Patient", among({"gender:missing": "false"}), both)
        ],
    }


def operation_checks() -> dict[str, list[Check]]:
    asynchronous = {"Prefer": "respond-async", "Accept": "application/fhir+json"}

    def accepted(w, x):
        assert x[0].status == 202, (x[0].status, x[0].body, x[0].error)
        assert "/fhir/" in x[0].headers.get("content-location", ""), x[0].headers

    def everything_ok(w, x):
        status(x[0], 200)
        found = {(r["resourceType"], r["id"]) for r in resources(x[0].body)}
        assert ("Patient", w.edith) in found and ("Observation", w.pairs["Observation"][0]) in found

    return {
        "Patient $everything": [
            Check(
                "$everything",
                lambda w, t: [Call("operation", "Patient", w.edith, name="$everything")],
                everything_ok,
            )
        ],
        "Patient $export": [
            Check(
                "Patient/$export",
                lambda w, t: [Call("operation", "Patient", name="$export", headers=asynchronous)],
                accepted,
            )
        ],
        "Group $export": [
            Check(
                "Group/practice-DEMO-GP1/$export",
                lambda w, t: [
                    Call(
                        "operation",
                        "Group",
                        "practice-DEMO-GP1",
                        name="$export",
                        headers=asynchronous,
                    )
                ],
                accepted,
            )
        ],
        "system $export": [
            Check(
                "$export (an approved analyst's client)",
                lambda w, t: [
                    Call("operation", name="$export", headers=asynchronous, token="analyst")
                ],
                accepted,
            )
        ],
    }


def system_checks() -> dict[str, list[Check]]:
    def transaction(w, t):
        org = f"urn:uuid:6f0e9a34-1c55-4d7a-9c2b-{sum(map(ord, t)):012d}"
        return {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": org,
                    "resource": {"resourceType": "Organization", "name": f"Lab {t}"},
                    "request": {"method": "POST", "url": "Organization"},
                },
                {
                    "resource": {
                        **sample("Observation", f"tx-{t}", person=w.edith),
                        "performer": [{"reference": org}],
                    },
                    "request": {"method": "POST", "url": "Observation"},
                },
            ],
        }

    def transaction_ok(w, x):
        status(x[0], 200)
        body = x[0].body
        assert body["type"] == "transaction-response"
        assert [e["response"]["status"][:3] for e in body["entry"]] == ["201", "201"]
        org = body["entry"][0]["response"]["location"].split("/_history")[0]
        assert body["entry"][1]["resource"]["performer"][0]["reference"] == org

    def batch(w, t):
        return {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {"request": {"method": "GET", "url": f"Observation/{w.pairs['Observation'][0]}"}},
                {"request": {"method": "GET", "url": "Observation/never-was"}},
            ],
        }

    def batch_ok(w, x):
        status(x[0], 200)
        assert x[0].body["type"] == "batch-response"
        assert [e["response"]["status"][:3] for e in x[0].body["entry"]] == ["200", "404"]

    def paged(w, x):
        status(x[0], 200)
        pages = x[0].body
        assert [[r["id"] for r in resources(p)] for p in pages] == [
            [i] for i in sorted(w.pairs["Observation"])
        ]

    def total(w, x):
        status(x[0], 200)
        assert x[0].body["total"] == 2

    def summary(w, x):
        status(x[0], 200)
        status(x[1], 200)
        assert x[0].body["total"] == 1 and not x[0].body.get("entry")
        [found] = resources(x[1].body)
        assert found["meta"]["tag"][-1]["code"] == "SUBSETTED" and "note" not in found

    def elements(w, x):
        status(x[0], 200)
        [found] = resources(x[0].body)
        assert "identifier" in found and "effectiveDateTime" not in found
        assert found["meta"]["tag"][-1]["code"] == "SUBSETTED"

    def json_ok(w, x):
        status(x[0], 200)
        assert x[0].body["id"] == w.pairs["Observation"][0]

    def xml_ok(w, x):
        status(x[0], 200)
        assert x[0].body.lstrip().startswith("<") and "<Observation" in x[0].body
        assert f'<id value="{w.pairs["Observation"][0]}"/>' in x[0].body

    obs = lambda w: pair_ids(w, "Observation")  # noqa: E731
    return {
        "system transaction": [
            Check(
                "transaction",
                lambda w, t: [Call("transaction", body=transaction(w, t))],
                transaction_ok,
            )
        ],
        "system batch": [Check("batch", lambda w, t: [Call("batch", body=batch(w, t))], batch_ok)],
        "search _count": [
            Check(
                "_count=1 and next links",
                lambda w, t: [
                    Call(
                        "search-pages",
                        "Observation",
                        params={"_id": obs(w), "_count": "1", "_sort": "_id"},
                    )
                ],
                paged,
            )
        ],
        "search _total": [
            Check(
                "_total=accurate",
                lambda w, t: [
                    Call("search", "Observation", params={"_id": obs(w), "_total": "accurate"})
                ],
                total,
            )
        ],
        "system history-system": [history_of(None)],
        "search _summary": [
            Check(
                "_summary=count and true",
                lambda w, t: [
                    Call(
                        "search",
                        "Observation",
                        params={"_id": w.pairs["Observation"][0], "_summary": "count"},
                    ),
                    Call(
                        "search",
                        "Observation",
                        params={"_id": w.pairs["Observation"][0], "_summary": "true"},
                    ),
                ],
                summary,
            )
        ],
        "search _elements": [
            Check(
                "_elements=identifier",
                lambda w, t: [
                    Call(
                        "search",
                        "Observation",
                        params={"_id": w.pairs["Observation"][0], "_elements": "identifier"},
                    )
                ],
                elements,
            )
        ],
        "search _sort": [
            search_check(
                "_sort=-_id",
                "Observation",
                lambda w: {"_id": obs(w), "_sort": "-_id"},
                lambda w: sorted(w.pairs["Observation"], reverse=True),
                ordered=True,
            )
        ],
        "format application/fhir+json": [
            Check(
                "Accept: application/fhir+json",
                lambda w, t: [
                    Call(
                        "read",
                        "Observation",
                        w.pairs["Observation"][0],
                        headers={"Accept": "application/fhir+json"},
                    )
                ],
                json_ok,
            )
        ],
        "format application/fhir+xml": [
            Check(
                "Accept: application/fhir+xml",
                lambda w, t: [
                    Call(
                        "read",
                        "Observation",
                        w.pairs["Observation"][0],
                        headers={"Accept": "application/fhir+xml"},
                    )
                ],
                xml_ok,
            )
        ],
    }


# ----------------------------------------------------------------------------------- coverage


def checks_for(feature: str, by_kind: dict[str, list[str]]) -> list[Check]:
    """The checks that prove `feature` (empty when none does); `by_kind` is `kinds(statement)`."""
    fixed = {**operation_checks(), **system_checks()}
    if feature in fixed:
        return fixed[feature]
    kind, aspect, *rest = feature.split(" ")
    if kind not in by_kind:
        return []
    if aspect == "_sort":
        return sort_checks(kind).get(rest[0], [])
    if aspect == "_include":
        return [include_check(kind, rest[0].split(":", 1)[1])]
    if aspect == "_revinclude":
        source, param = rest[0].split(":", 1)
        return [revinclude_check(kind, source, param)]
    table = (
        patient_checks()
        if kind == "Patient"
        else {
            **interaction_checks(kind),
            **search_param_checks(kind),
        }
    )
    if aspect == "search":
        return table.get(rest[0], [])
    return table.get(aspect, [])


def coverage(statement: dict) -> dict[str, dict[str, list[str]]]:
    """feature -> client -> the names of the checks that client can run for it."""
    world = World.placeholder(statement)
    by_kind = kinds(statement)
    found: dict[str, dict[str, list[str]]] = {}
    for feature in features(statement):
        found[feature] = {client: [] for client in CLIENTS}
        for check in checks_for(feature, by_kind):
            for client, runner in RUNNERS.items():
                if all(runner.can(call) for call in check.calls(world, client)):
                    found[feature][client].append(check.name)
    return found


def generated_statement() -> dict:
    return capability.statement("http://placeholder/fhir")


def test_every_feature_of_the_capability_statement_has_a_raw_and_a_client_check(db) -> None:
    COVERAGE = coverage(generated_statement())
    assert len(COVERAGE) > 200
    missing = [
        feature
        for feature, by_client in COVERAGE.items()
        if not by_client["raw HTTP"] or not any(by_client[c] for c in LIBRARIES)
    ]
    assert not missing, missing


def test_features_follow_the_statement() -> None:
    """A feature the registry starts to claim is a new row, with no check until one is written."""
    statement = generated_statement()
    rest = statement["rest"][0]
    observation = next(e for e in rest["resource"] if e["type"] == "Observation")
    observation["searchParam"].append({"name": "code", "type": "token"})
    rest["interaction"].append({"code": "x-not-yet-served"})
    found = features(statement)
    assert "Observation search code" in found and "system x-not-yet-served" in found
    assert checks_for("system x-not-yet-served", kinds(statement)) == []
    # The record's types are one kind, until one of them claims something the others do not.
    assert len(kinds(generated_statement())["Observation"]) > 100
    assert kinds(statement)["Observation"] == ["Observation"]


# ------------------------------------------------------------------------- against a live server


@pytest.fixture
def world(live_server, demo_directory, settings, tmp_path) -> World:
    """Edith (about whom each kind's `a` is) and Albert (`b`), both visible to the client through
    their practice; a co-ordinator's SMART backend client (every client acts as it) and an approved
    analyst's client; each kind's pair written through the API (a PUT to a new id)."""
    from caretrust.organisations.models import Team
    from caretrust.referrals import services as referrals
    from caretrust.referrals.models import Referral
    from tests.factories import demo_user
    from tests.fhir.test_bulk_export import ndop_check
    from tests.fhir.test_smart_backend_services import public_jwks

    settings.TASKS = DUMMY_TASKS  # a kicked-off export waits in the queue
    settings.CARETRUST_BULK_EXPORT_DIR = tmp_path / "bulk"
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = winifred(practice, nhs_number="9000000009")
    albert = person_row(
        given_name="Albert", family_name="Quarry", sex="male", birth_date=None, gp_practice=practice
    )
    icb = Organisation.objects.filter(kind=Organisation.Kind.ICB).first() or practice
    analyst, analyst_token = issue_client(
        name="conformance-analytics", organisation=icb, role="analyst"
    )
    approve_secondary_use(client=analyst, level="pseudonymised", approval="DSA-1")
    ndop_check(tmp_path)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    smart.register_backend_client(
        name="conformance-smart",
        organisation=practice,
        role="coordinator",
        jwks=public_jwks(key, "k1"),
        scopes="system/*.cruds",
    )
    base = f"{live_server.url}/fhir"
    world = World(
        base,
        {"coordinator": "", "analyst": analyst_token},
        str(edith.ref),
        str(albert.ref),
        smart_key=key,
        smart_token_url=f"{base}/auth/token",
    )
    # Every client acts as the one SMART backend client (fhirclient through its own token
    # request): a referral or subscription one of them sent is the referrer's, seen by it alone.
    granted = requests.post(
        world.smart_token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": world.smart_assertion(),
            "scope": "system/*.cruds",
        },
        timeout=30,
    )
    assert granted.status_code == 200, granted.content
    world.staff = (str(demo_user("nurse").fhir_id), str(demo_user("ot").fhir_id))
    world.tokens["coordinator"] = granted.json()["access_token"]
    raw = Raw(world)
    statement = raw.one(Call("capabilities")).body
    for kind in kinds(statement):
        if kind == "Patient":
            continue
        pair = (f"a-{kind.lower()}", f"b-{kind.lower()}")
        for i, logical_id in enumerate(pair):
            body = sample(
                kind,
                logical_id,
                person=world.albert if i else world.edith,
                second=bool(i),
                dated=not i,
            )
            put = raw.one(Call("update", kind, logical_id, body={**body, "id": logical_id}))
            assert put.status == 201, (kind, put.body)
        world.pairs[kind] = pair
    made = raw.one(Call("create", "Subscription", body=sample("Subscription", "app", person="")))
    assert made.status == 201, made.body
    world.subscription = made.body["id"]
    # A referral sent through the intake, routed to a team: its Task has an owner.
    sent = raw.one(
        Call(
            "create", "ServiceRequest", body=sample("ServiceRequest", "sent-1", person=world.edith)
        )
    )
    assert sent.status == 201, sent.body
    world.referral = sent.body["id"]
    referral = Referral.objects.get(uuid=world.referral)
    referrals.claim(actor=demo_user("coordinator"), referral=referral)
    referrals.route(
        actor=demo_user("coordinator"), referral=referral, team=Team.objects.get(code="torquay-mdt")
    )
    for who in ("edith", "albert"):
        read = raw.one(Call("read", "Patient", getattr(world, who)))
        assert read.status == 200, read.body
        if who == "edith":
            world.edith_body = read.body
        else:
            world.albert_version = read.body["meta"]["versionId"]
    return world


def run_checks(world: World, client: str) -> dict[str, list[str]]:
    """Runs every check `COVERAGE` gives `client`; feature -> the checks that failed."""
    statement = Raw(world).one(Call("capabilities")).body
    table = coverage(statement)
    by_kind = kinds(statement)
    runner = RUNNERS[client](world)
    wanted: list[tuple[str, Check]] = []
    for feature, by_client in table.items():
        for check in checks_for(feature, by_kind):
            if check.name in by_client[client]:
                wanted.append((feature, check))
    calls: list[Call] = []
    spans = []
    for feature, check in wanted:
        made = check.calls(world, client)
        spans.append((feature, check, len(calls), len(made)))
        calls += made
    answers = runner.run(calls)
    failed: dict[str, list[str]] = {}
    for feature, check, start, length in spans:
        try:
            check.verify(world, answers[start : start + length])
        except (AssertionError, KeyError, TypeError, IndexError, AttributeError) as exc:
            failed.setdefault(feature, []).append(f"{check.name}: {exc!r}"[:600])
    return failed


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_every_check_passes_with(world, client) -> None:
    if client == "fhir-kit-client" and not (ROOT / "node_modules" / "fhir-kit-client").exists():
        pytest.fail("fhir-kit-client is not installed: run npm ci (make assets)")
    failed = run_checks(world, client)
    assert not failed, json.dumps(failed, indent=1)
    table = os.environ.get("CARETRUST_CONFORMANCE_TABLE")
    if table and client == CLIENTS[-1]:
        write_table(Path(table), coverage(generated_statement()), generated_statement())


def write_table(path: Path, table: dict[str, dict[str, list[str]]], statement: dict) -> None:
    counts = {c: sum(1 for by in table.values() if by[c]) for c in CLIENTS}
    by_kind = kinds(statement)
    lines = [
        "# FHIR conformance: feature x client",
        "",
        "Generated by `tests/fhir/conformance/test_clients.py` (ADR 123) with",
        "`CARETRUST_CONFORMANCE_TABLE=docs/fhir-conformance.md`: every interaction and search",
        "feature the CapabilityStatement lists, and the checks that proved it against a live server",
        "with each client (empty: the client cannot express it). The same checks run on SQLite and",
        "PostgreSQL.",
        "",
        f"Features: {len(table)}. " + ", ".join(f"{c}: {counts[c]}" for c in CLIENTS) + ".",
        "",
        "Kinds: types whose CapabilityStatement entries differ only by name share one handler and",
        "are one kind, proved on its representative: "
        + "; ".join(f"{k} ({len(v)} types)" if len(v) > 1 else k for k, v in by_kind.items())
        + ".",
        "",
        "| feature | " + " | ".join(CLIENTS) + " |",
        "|---|" + "---|" * len(CLIENTS),
    ]
    for feature, by_client in table.items():
        cells = [", ".join(by_client[c]).replace("|", "\\|") for c in CLIENTS]
        lines.append(f"| {feature} | " + " | ".join(cells) + " |")
    path.write_text("\n".join(lines) + "\n")
