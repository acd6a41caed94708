"""SMART Backend Services (ADR 113): a client registers a public key, signs a client assertion,
gets a short-lived access token and uses the FHIR API within its scopes; every way the token
request can be wrong is refused with an OAuth 2.0 error and audited."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from caretrust.access import services as access_services
from caretrust.access.models import AuditEvent, BreakGlassAccess
from caretrust.fhir import smart
from caretrust.fhir.models import ApiClient, BackendAccessToken
from caretrust.fhir.services import TokenError, issue_client
from caretrust.organisations.models import Organisation
from tests.factories import person_row

pytestmark = pytest.mark.django_db
TOKEN_URL = "http://testserver/fhir/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def public_jwks(private_key, kid: str, alg: str = "RS384") -> dict:
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(private_key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": alg, "use": "sig"}]}


def assertion(key, *, kid="k1", alg="RS384", client_id="harbour-system", **claims) -> str:
    now = timezone.now()
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": TOKEN_URL,
        "exp": int((now + timedelta(minutes=4)).timestamp()),
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def ask(http: Client, signed: str, scope: str = "system/Patient.read", **form):
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
        "scope": scope,
        **form,
    }
    return http.post(
        "/fhir/auth/token", urlencode(data), content_type="application/x-www-form-urlencoded"
    )


@pytest.fixture
def world(demo_directory):
    practice = Organisation.objects.get(code="DEMO-GP1")
    patient = person_row(
        given_name="Winifred",
        family_name="Quarrington",
        sex="female",
        birth_date=date(1941, 3, 2),
        gp_practice=practice,
    )
    stranger = person_row(given_name="Other", family_name="Person", sex="male")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = smart.register_backend_client(
        name="harbour-system",
        organisation=practice,
        role="coordinator",
        jwks=public_jwks(key, "k1"),
        scopes="system/Patient.read system/Condition.rs",
    )
    return {"key": key, "client": client, "patient": patient, "stranger": stranger}


def token_for(world, scope="system/Patient.read") -> str:
    response = ask(Client(), assertion(world["key"]), scope)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_discovery_document_and_capability_statement_name_the_token_endpoint(db) -> None:
    http = Client()
    found = http.get("/fhir/.well-known/smart-configuration")
    assert found.status_code == 200
    body = found.json()
    assert body["token_endpoint"] == TOKEN_URL
    assert body["grant_types_supported"] == ["client_credentials"]
    assert body["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert body["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
    assert "system/*.read" in body["scopes_supported"]
    assert "client-confidential-asymmetric" in body["capabilities"]
    security = http.get("/fhir/metadata").json()["rest"][0]["security"]
    uris = security["extension"][0]
    assert uris["url"].endswith("/oauth-uris")
    assert uris["extension"] == [{"url": "token", "valueUri": TOKEN_URL}]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_a_client_gets_a_token_and_reads_the_patients_it_has_a_relationship_with(world) -> None:
    http = Client()
    response = ask(http, assertion(world["key"]), "system/Patient.read launch openid")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/Patient.read"
    stored = BackendAccessToken.objects.get(client=world["client"])
    assert body["access_token"] not in stored.token_hash  # only a hash is kept
    assert stored.expires_at <= timezone.now() + timedelta(minutes=5)
    issued = AuditEvent.objects.filter(reason="SMART access token issued").get()
    assert issued.actor == world["client"].user
    assert issued.details["scopes"] == "system/Patient.read"

    auth = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    patient, stranger = world["patient"], world["stranger"]
    read = http.get(f"/fhir/Patient/{patient.ref}", **auth)
    assert read.status_code == 200, read.content
    assert read.json()["name"][0]["family"] == "Quarrington"
    found = http.get("/fhir/Patient", {"family": "Quarrington"}, **auth).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [str(patient.ref)]
    assert AuditEvent.objects.filter(action="read", person_ref=patient.audit_ref).exists()
    # Scopes choose interactions; whose records is still the relationship's to say.
    refused = http.get(f"/fhir/Patient/{stranger.ref}", **auth)
    assert refused.status_code == 403
    assert not http.get("/fhir/Patient", {"family": "Person"}, **auth).json().get("entry")


def test_an_es384_key_works_too(world) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    smart.register_backend_client(
        name="harbour-system",
        organisation=world["client"].organisation,
        role="coordinator",
        jwks=public_jwks(key, "ec1", "ES384"),
        scopes="system/*.rs",
    )
    response = ask(Client(), assertion(key, kid="ec1", alg="ES384"), "system/*.read")
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "system/*.read"
    # The RSA key was replaced: an assertion it signs names a kid no longer registered.
    old = ask(Client(), assertion(world["key"]))
    assert old.status_code == 401 and "no registered key" in old.json()["error_description"]


@pytest.mark.parametrize(
    "case",
    [
        "wrong signature",
        "expired",
        "too far ahead",
        "wrong aud",
        "unknown kid",
        "sub is not iss",
        "unknown client",
        "HS256",
    ],
)
def test_bad_assertions_are_refused_as_invalid_client_and_audited(world, case) -> None:
    key = world["key"]
    now = timezone.now()
    signed = {
        "wrong signature": lambda: assertion(
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ),
        "expired": lambda: assertion(key, exp=int((now - timedelta(minutes=2)).timestamp())),
        "too far ahead": lambda: assertion(key, exp=int((now + timedelta(hours=1)).timestamp())),
        "wrong aud": lambda: assertion(key, aud="http://elsewhere.example/token"),
        "unknown kid": lambda: assertion(key, kid="k2"),
        "sub is not iss": lambda: assertion(key, sub="someone-else"),
        "unknown client": lambda: assertion(key, client_id="nobody"),
        "HS256": lambda: jwt.encode(
            {"iss": "harbour-system", "sub": "harbour-system", "aud": TOKEN_URL, "jti": "x"},
            "a shared secret of some length, 32+",
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
    }[case]()
    response = ask(Client(), signed)
    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_client"
    assert not BackendAccessToken.objects.exists()
    refusal = AuditEvent.objects.filter(action="access_denied", details__via="fhir-token").get()
    assert refusal.reason.startswith("SMART token refused")


def test_a_replayed_assertion_is_refused(world) -> None:
    signed = assertion(world["key"])
    assert ask(Client(), signed).status_code == 200
    again = ask(Client(), signed)
    assert again.status_code == 401
    assert "used already" in again.json()["error_description"]
    assert BackendAccessToken.objects.count() == 1


def test_grant_type_assertion_type_and_scope_errors(world) -> None:
    http = Client()
    wrong_grant = ask(http, assertion(world["key"]), grant_type="authorization_code")
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (
        400,
        "unsupported_grant_type",
    )
    wrong_type = ask(http, assertion(world["key"]), client_assertion_type="password")
    assert (wrong_type.status_code, wrong_type.json()["error"]) == (400, "invalid_request")
    not_allowed = ask(http, assertion(world["key"]), "system/Task.write")
    assert (not_allowed.status_code, not_allowed.json()["error"]) == (400, "invalid_scope")
    as_json = http.post("/fhir/auth/token", {}, content_type="application/json")
    assert as_json.status_code == 400
    assert AuditEvent.objects.filter(details__error="invalid_scope").exists()


def test_scopes_limit_the_interactions(world) -> None:
    http = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(world)}"}
    body = {"resourceType": "Patient", "name": [{"family": "Brown"}], "gender": "female"}
    write = http.post("/fhir/Patient", body, content_type="application/fhir+json", **auth)
    assert write.status_code == 403
    assert "do not allow create of Patient" in write.json()["issue"][0]["diagnostics"]
    other_type = http.get("/fhir/Condition", {"patient": str(world["patient"].ref)}, **auth)
    assert other_type.status_code == 403
    refusal = AuditEvent.objects.filter(action="access_denied", details__via="fhir").first()
    assert refusal is not None and refusal.actor == world["client"].user
    conditions_only = {"HTTP_AUTHORIZATION": f"Bearer {token_for(world, 'system/Condition.rs')}"}
    query = {"patient": str(world["patient"].ref)}
    assert http.get("/fhir/Condition", query, **conditions_only).status_code == 200
    with_patients = {**query, "_include": "Condition:subject"}
    assert http.get("/fhir/Condition", with_patients, **conditions_only).status_code == 403
    assert http.get(f"/fhir/Patient/{world['patient'].ref}", **conditions_only).status_code == 403


def test_a_read_scope_cannot_write_through_a_bundle_a_patch_or_a_conditional_update(world):
    # Scopes are checked on each interaction, however it came: a URL or a Bundle entry.
    http = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(world)}"}
    patient = {"resourceType": "Patient", "name": [{"family": "Brown"}], "gender": "female"}
    for kind in ("transaction", "batch"):
        bundle = {
            "resourceType": "Bundle",
            "type": kind,
            "entry": [{"resource": patient, "request": {"method": "POST", "url": "Patient"}}],
        }
        answer = http.post("/fhir", bundle, content_type="application/fhir+json", **auth)
        if kind == "transaction":
            assert answer.status_code == 403, answer.content
        else:
            assert answer.json()["entry"][0]["response"]["status"].startswith("403")
    ref = world["patient"].ref
    patch = [{"op": "replace", "path": "/gender", "value": "male"}]
    patched = http.generic(
        "PATCH",
        f"/fhir/Patient/{ref}",
        json.dumps(patch),
        content_type="application/json-patch+json",
        **auth,
    )
    assert patched.status_code == 403
    conditional = http.generic(
        "PUT",
        "/fhir/Patient?family=Quarrington",
        json.dumps(patient),
        content_type="application/fhir+json",
        **auth,
    )
    assert conditional.status_code == 403
    assert "do not allow update of Patient" in conditional.json()["issue"][0]["diagnostics"]
    assert http.get(f"/fhir/Patient/{ref}", **auth).status_code == 200


def test_scope_grammar_v1_and_v2() -> None:
    assert smart.grant("system/*.read", "system/Patient.read system/Task.write") == [
        "system/Patient.read"
    ]
    assert smart.grant("system/Patient.rs system/Task.c", "system/*.cruds") == [
        "system/Patient.rs",
        "system/Task.c",
    ]
    assert smart.grant("system/Patient.write", "system/Patient.read") == []
    assert smart.grant("patient/Patient.read user/*.read", "system/*.read") == []
    assert smart.permits("system/Task.write", "Task", "update")
    assert not smart.permits("system/Task.write", "Task", "read")
    assert smart.permits("system/*.rs", "Condition", "search")
    assert not smart.permits("system/Patient.r", "Patient", "search")
    assert smart.parse_scope("system/Patient.sr") is None  # v2 letters come in order


def test_an_expired_access_token_is_refused_and_a_static_token_still_works(world) -> None:
    http = Client()
    token = token_for(world)
    BackendAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = http.get(
        f"/fhir/Patient/{world['patient'].ref}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert expired.status_code == 401

    practice = world["client"].organisation
    _client, static = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {static}"}
    assert http.get(f"/fhir/Patient/{world['patient'].ref}", **auth).status_code == 200
    conditions = http.get("/fhir/Condition", {"patient": str(world["patient"].ref)}, **auth)
    assert conditions.status_code == 200  # a static token keeps every interaction


def test_a_backend_client_has_no_usable_static_token_and_revocation_stops_it(world) -> None:
    http = Client()
    token = token_for(world)
    client = ApiClient.objects.get(name="harbour-system")
    assert client.expires_at is not None and client.expires_at <= timezone.now()
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    read = http.get(f"/fhir/Patient/{world['patient'].ref}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert read.status_code == 401
    assert ask(http, assertion(world["key"])).status_code == 401


def test_an_api_client_never_uses_break_glass(world) -> None:
    user = world["client"].user
    with pytest.raises(PermissionDenied, match="never uses break-glass"):
        access_services.break_glass(
            actor=user,
            person=world["stranger"],
            justification=BreakGlassAccess.Justification.values[0],
            reason="An emergency at the front desk needs this record now, please.",
        )
    assert not BreakGlassAccess.objects.filter(user=user).exists()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(world)}"}
    assert Client().get(f"/fhir/Patient/{world['stranger'].ref}", **auth).status_code == 403


def test_registration_refuses_bad_keys_and_scopes_and_the_command_registers(
    world, tmp_path
) -> None:
    practice = world["client"].organisation
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = public_jwks(key, "k9")
    private = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    for bad_keys, bad_scopes, message in [
        ({"keys": []}, "system/Patient.read", "at least one key"),
        ({"keys": [{**private, "kid": "p"}]}, "system/Patient.read", "private part"),
        (jwks, "patient/*.read", "not a system scope"),
        (jwks, "", "at least one scope"),
    ]:
        with pytest.raises(TokenError, match=message):
            smart.register_backend_client(
                name="other",
                organisation=practice,
                role="coordinator",
                jwks=bad_keys,
                scopes=bad_scopes,
            )
    with pytest.raises(TokenError, match="acts as one of"):
        smart.register_backend_client(
            name="other",
            organisation=practice,
            role="administrator",
            jwks=jwks,
            scopes="system/*.read",
        )
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    call_command(
        "register_smart_client",
        "bayside-system",
        organisation="DEMO-GP1",
        jwks=str(path),
        scopes="system/*.read",
    )
    client = ApiClient.objects.get(name="bayside-system")
    assert client.allowed_scopes == "system/*.read" and client.user.role == "coordinator"
    registered = AuditEvent.objects.filter(
        reason="SMART backend services client registered", object_id=str(client.pk)
    ).get()
    assert registered.details["kids"] == ["k9"]
    response = ask(Client(), assertion(key, kid="k9", client_id="bayside-system"))
    assert response.status_code == 200, response.content


def test_an_integration_reaches_a_person_only_through_an_accepted_referral(world) -> None:
    """A discharge system of the trust, in the locality team's membership, sees nobody until a
    referral its team accepted names the person: the scope opens reads, the workflow opens the
    person."""
    from caretrust.organisations.models import Team
    from caretrust.organisations.services import add_team_member
    from tests.factories import demo_user, make_person, routed_referral

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = smart.register_backend_client(
        name="trust-discharge",
        organisation=Organisation.objects.get(code="DEMO-TRUST"),
        role="coordinator",
        jwks=public_jwks(key, "t1"),
        scopes="system/*.read",
    )
    add_team_member(
        actor=demo_user("admin"), team=Team.objects.get(code="torquay-mdt"), user=client.user
    )
    person = make_person(given_name="Ada", family_name="Referred", gp_practice_code="DEMO-GP2")
    response = ask(Client(), assertion(key, kid="t1", client_id="trust-discharge"), "system/*.read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}
    assert Client().get(f"/fhir/Patient/{person.ref}", **auth).status_code == 403
    routed_referral(person=person, team_code="torquay-mdt")
    read = Client().get(f"/fhir/Patient/{person.ref}", **auth)
    assert read.status_code == 200, read.content


def test_over_http_discovery_token_and_a_fhir_client(live_server, world) -> None:
    """What an integrator does: discover the token endpoint, post a signed assertion whose aud is
    that endpoint, then use the access token with an off-the-shelf FHIR client (fhirpy; the
    `fhirclient` package has no backend services flow)."""
    import requests
    from fhirpy import SyncFHIRClient

    base = f"{live_server.url}/fhir"
    config = requests.get(f"{base}/.well-known/smart-configuration", timeout=10).json()
    token_url = config["token_endpoint"]
    assert token_url == f"{base}/auth/token"
    response = requests.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion(world["key"], aud=token_url),
            "scope": "system/Patient.read",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    fhir = SyncFHIRClient(base, authorization=f"Bearer {response.json()['access_token']}")
    found = fhir.resources("Patient").search(family="Quarrington").fetch()
    assert [p.id for p in found] == [str(world["patient"].ref)]
