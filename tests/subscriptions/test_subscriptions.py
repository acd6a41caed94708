"""FHIR rest-hook Subscriptions (ADR 0114), end to end: a GP system subscribes to its referrals'
Tasks, caretrust moves the referral on, a background job POSTs to a real receiver (a small HTTP
server in this process), failures are retried and end on the dead-letter list an administrator
sees, and nothing is ever sent about a referral the client may not see."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from caretrust.access.models import AuditEvent
from caretrust.fhir import registry
from caretrust.fhir.registry import SearchParams, Unprocessable
from caretrust.jobs.models import Job
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services as referrals
from caretrust.subscriptions import services
from caretrust.subscriptions.models import Delivery, Subscription
from tests.factories import make_person, make_referral

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def subscription(criteria: str, endpoint: str, *, payload="application/fhir+json", header=None):
    channel = {"type": "rest-hook", "endpoint": endpoint, "payload": payload}
    if not payload:
        channel.pop("payload")
    if header:
        channel["header"] = header
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Follow our referrals",
        "criteria": criteria,
        "channel": channel,
    }


def subscribe(gp_system, criteria: str, endpoint: str, **kwargs) -> dict:
    handler = registry.get("Subscription")
    return handler.create(gp_system.ctx, subscription(criteria, endpoint, **kwargs)).resource


def gp_referral(gp_system):
    """A referral the GP system sent over the API (its service account is the referrer)."""
    return make_referral(actor=gp_system.user, person=make_person(postcode="TQ1 1AA"))


def accept_and_complete(referral, user_for):
    coordinator, ot = user_for("coordinator"), user_for("ot")
    referral = referrals.claim(actor=coordinator, referral=referral)
    referral = referrals.route(
        actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt")
    )
    referral = referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    return referrals.record_progress(actor=ot, referral=referral, to_status="completed")


def test_the_gp_follows_its_referral_by_subscription_and_by_search(
    gp_system, receiver, user_for
) -> None:
    referral = gp_referral(gp_system)
    made = subscribe(
        gp_system,
        "Task?requester=Organization/DEMO-GP1",
        receiver.url,
        header=["Authorization: Bearer receiver-secret"],
    )
    assert made["status"] == "active"  # no handshake: active once checked

    accept_and_complete(referral, user_for)

    # claimed (received), accepted, completed: routing changes no Task status, so sends nothing
    assert receiver.statuses() == ["received", "accepted", "completed"]
    last = receiver.received[-1]
    assert last.path == "/notify"
    assert last.headers["content-type"] == "application/fhir+json"
    assert last.headers["authorization"] == "Bearer receiver-secret"
    assert last.headers["x-caretrust-subscription"] == made["id"]
    assert last.bundle["type"] == "history"
    assert last.task["id"] == str(referral.uuid)
    assert last.bundle["entry"][0]["request"] == {"method": "PUT", "url": f"Task/{referral.uuid}"}
    deliveries = Delivery.objects.filter(subscription__uuid=made["id"])
    assert {d.status for d in deliveries} == {Delivery.Status.DELIVERED}
    jobs = Job.objects.filter(kind=services.DELIVER_JOB)
    assert jobs.count() == 3 and {j.status for j in jobs} == {Job.Status.DONE}
    # each disclosure to the client is audited as the client's read of the Task
    assert (
        AuditEvent.objects.filter(
            actor=gp_system.user, object_type="fhir.Task", object_id=str(referral.uuid)
        ).count()
        == 3
    )
    # ... and the same status by search
    found = registry.get("Task").search(
        gp_system.ctx, SearchParams(params={"status": ["completed"]})
    )
    assert [m.resource["id"] for m in found.matches] == [str(referral.uuid)]


def test_an_empty_payload_posts_no_body_and_status_filters_apply(
    gp_system, receiver, user_for
) -> None:
    referral = gp_referral(gp_system)
    subscribe(
        gp_system,
        f"Task?focus=ServiceRequest/{referral.uuid}&status=accepted,completed",
        receiver.url,
        payload="",
    )
    accept_and_complete(referral, user_for)
    assert len(receiver.received) == 2  # received was filtered out
    assert [r.body for r in receiver.received] == [b"", b""]
    assert "content-type" not in receiver.received[0].headers


def test_no_notification_for_a_referral_the_client_may_not_see(
    gp_system, receiver, user_for
) -> None:
    mine = gp_referral(gp_system)
    subscribe(gp_system, "Task?requester=Organization/DEMO-GP1", receiver.url)
    subscribe(gp_system, f"Task?_id={mine.uuid}", receiver.url)
    coordinator = user_for("coordinator")
    # the same practice's GP on the web: the system's service account may not see it
    same_practice = make_referral(actor=user_for("gp"), person=make_person(postcode="TQ1 1AA"))
    assert same_practice.referrer_organisation.code == "DEMO-GP1"
    # another organisation's referral
    other = make_referral(actor=coordinator, person=make_person(postcode="TQ1 1AA"))
    for referral in (same_practice, other):
        referrals.claim(actor=coordinator, referral=referral)
    assert receiver.received == []
    assert not Delivery.objects.exists()
    referrals.claim(actor=coordinator, referral=mine)
    assert receiver.statuses() == ["received", "received"]  # one for each subscription


def test_a_failing_endpoint_is_retried_then_dead_lettered_and_the_subscription_errors(
    gp_system, receiver, user_for, client
) -> None:
    referral = gp_referral(gp_system)
    made = subscribe(gp_system, f"Task?_id={referral.uuid}", receiver.url)
    receiver.status = 500
    referrals.claim(actor=user_for("coordinator"), referral=referral)

    assert len(receiver.received) == 3  # CARETRUST_SUBSCRIPTION_MAX_ATTEMPTS in the tests
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DEAD, 3)
    assert delivery.last_http_status == 500
    jobs = Job.objects.filter(kind=services.DELIVER_JOB).order_by("created_at")
    assert [j.status for j in jobs] == [Job.Status.FAILED] * 3
    assert "Attempt 1 of 3 failed: the endpoint answered HTTP 500" in jobs[0].error
    read = registry.get("Subscription").read(gp_system.ctx, made["id"]).resource
    assert read["status"] == "error"
    assert "3 attempts" in read["error"] and "HTTP 500" in read["error"]
    # The subscription in error sends nothing more until it is put right.
    referrals.triage(actor=user_for("coordinator"), referral=referral, urgency="routine")
    assert len(receiver.received) == 3

    # The administrator finds it from their home page, and sends it again.
    admin = user_for("admin")
    client.force_login(admin)
    home = client.get("/").content.decode()
    page_url = reverse("subscriptions:deliveries")
    assert f'href="{page_url}"' in home
    page = client.get(page_url).content.decode()
    assert "Dead letters" in page and referral.reference in page
    assert "receiver-secret" not in page and "/notify" not in page  # host only
    receiver.status = 200
    response = client.post(reverse("subscriptions:retry", kwargs={"uuid": delivery.uuid}))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DELIVERED, 1)
    assert receiver.received[-1].task["status"] == "received"
    assert Subscription.objects.get(uuid=made["id"]).status == Subscription.Status.ACTIVE
    assert AuditEvent.objects.filter(actor=admin, reason="Dead letter retried").count() == 1
    assert AuditEvent.objects.filter(
        actor=admin, object_type="subscriptions.delivery", action="read"
    ).exists()


def test_connection_refused_dead_letter_is_dismissed_by_the_administrator(
    gp_system, closed_port_url, user_for, client
) -> None:
    referral = gp_referral(gp_system)
    subscribe(gp_system, f"Task?_id={referral.uuid}", closed_port_url)
    referrals.claim(actor=user_for("coordinator"), referral=referral)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.DEAD
    assert "could not reach the endpoint" in delivery.last_error
    client.force_login(user_for("admin"))
    client.post(reverse("subscriptions:dismiss", kwargs={"uuid": delivery.uuid}))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DISMISSED
    # Others may not see the page nor act.
    client.force_login(user_for("coordinator"))
    assert client.get(reverse("subscriptions:deliveries")).status_code == 403
    assert (
        client.post(reverse("subscriptions:retry", kwargs={"uuid": delivery.uuid})).status_code
        == 403
    )


# The worker closes the connection between tasks (as in production): a test transaction would not
# survive it on PostgreSQL, so this test commits.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_attempts_from_the_database_queue_with_backoff(
    gp_system, receiver, user_for, settings
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    settings.CARETRUST_SUBSCRIPTION_RETRY_SECONDS = 60
    referral = gp_referral(gp_system)
    subscribe(gp_system, f"Task?_id={referral.uuid}", receiver.url)
    receiver.answers = [503]
    referrals.claim(actor=user_for("coordinator"), referral=referral)
    assert receiver.received == []  # queued with the change, sent by a worker
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.RETRYING, 1)
    waited = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < waited <= timedelta(seconds=60)
    # the next attempt waits in the queue until then, and the batch worker left it there
    pending = DBTaskResult.objects.filter(status="READY").get()
    assert pending.run_after > timezone.now() + timedelta(seconds=50)
    assert len(receiver.received) == 1
    # exponential: 60 s, 120 s, 240 s
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    # Due now: the worker sends it.
    DBTaskResult.objects.filter(pk=pending.pk).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DELIVERED, 2)
    assert receiver.statuses() == ["received", "received"]


def test_a_deleted_subscription_sends_nothing_and_reads_as_gone(
    gp_system, receiver, user_for
) -> None:
    referral = gp_referral(gp_system)
    made = subscribe(gp_system, f"Task?_id={referral.uuid}", receiver.url)
    handler = registry.get("Subscription")
    handler.delete(gp_system.ctx, made["id"], None)
    referrals.claim(actor=user_for("coordinator"), referral=referral)
    assert receiver.received == []
    with pytest.raises(registry.Gone):
        handler.read(gp_system.ctx, made["id"])
    assert handler.search(gp_system.ctx, SearchParams()).matches == []


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ("Patient?name=smith", "only Task criteria"),
        ("Task", "exactly one of requester"),
        ("Task?requester=Organization/DEMO-GP2", "your own organisation"),
        ("Task?owner=Practitioner/1", "'owner' is not supported"),
        ("Task?_id=not-a-uuid", "not a referral id"),
        ("Task?_id=00000000-0000-4000-8000-000000000000", "no referral your organisation sent"),
        ("Task?requester=Organization/DEMO-GP1&status=lost", "not a Task status"),
        ("Task?requester=Organization/DEMO-GP1&requester=Organization/X", "given once"),
    ],
)
def test_criteria_outside_the_supported_subset_are_refused(
    gp_system, receiver, criteria, message
) -> None:
    with pytest.raises(Unprocessable, match=message):
        subscribe(gp_system, criteria, receiver.url)
    assert not Subscription.objects.exists()


def test_another_clients_referral_cannot_be_subscribed_to(gp_system, receiver, user_for) -> None:
    other = make_referral(actor=user_for("gp"), person=make_person(postcode="TQ1 1AA"))
    with pytest.raises(Unprocessable, match="no referral your organisation sent"):
        subscribe(gp_system, f"Task?focus=ServiceRequest/{other.uuid}", receiver.url)


def test_endpoints_and_headers_are_checked(gp_system, receiver, settings) -> None:
    criteria = "Task?requester=Organization/DEMO-GP1"
    for endpoint, header, message in [
        ("ftp://example.org/x", None, "absolute http or https URL"),
        ("http://user:pw@127.0.0.1/x", None, "user name or password"),
        ("http://[::1/x", None, "is not a URL"),
        ("http://no-such-host.invalid/x", None, "cannot be found"),
        (receiver.url, ["Content-Type: text/plain"], "may not set Content-Type"),
        (receiver.url, ["X-Evil: a\r\nHost: b"], "on one line"),
    ]:
        with pytest.raises(Unprocessable, match=message):
            subscribe(gp_system, criteria, endpoint, header=header)
    settings.CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE = False
    for private in (receiver.url, "http://10.1.2.3/x", "http://169.254.169.254/latest"):
        with pytest.raises(Unprocessable, match="private or reserved address"):
            subscribe(gp_system, criteria, private)
    settings.CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS = True
    with pytest.raises(Unprocessable, match="absolute https URL"):
        subscribe(gp_system, criteria, "http://93.184.215.14/x")
    assert not Subscription.objects.exists()


def test_over_http_bad_criteria_are_422_and_others_subscriptions_404(
    gp_system, receiver, client, demo_directory
) -> None:
    from caretrust.fhir.services import issue_client

    auth = {"Authorization": f"Bearer {gp_system.token}"}
    body = subscription("Task?requester=Organization/DEMO-GP2", receiver.url)
    response = client.post(
        "/fhir/Subscription",
        json.dumps(body),
        content_type="application/fhir+json",
        headers=auth,
    )
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Subscription"]
    body = subscription("Task?requester=Organization/DEMO-GP1", receiver.url)
    body["channel"]["type"] = "websocket"
    response = client.post(
        "/fhir/Subscription", json.dumps(body), content_type="application/fhir+json", headers=auth
    )
    assert response.status_code == 422
    body["channel"]["type"] = "rest-hook"
    response = client.post(
        "/fhir/Subscription", json.dumps(body), content_type="application/fhir+json", headers=auth
    )
    assert response.status_code == 201
    made = response.json()
    assert response["Location"].endswith(f"/Subscription/{made['id']}/_history/1")
    # another client (another organisation) neither reads nor deletes it
    trust = Organisation.objects.exclude(code="DEMO-GP1").filter(kind="nhs_trust").first()
    _other, token = issue_client(name="trust-system", organisation=trust, role="coordinator")
    other_auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/fhir/Subscription/{made['id']}", headers=other_auth).status_code == 404
    assert client.delete(f"/fhir/Subscription/{made['id']}", headers=other_auth).status_code == 404
    assert client.get("/fhir/Subscription", headers=other_auth).json().get("entry", []) == []
    assert client.delete(f"/fhir/Subscription/{made['id']}", headers=auth).status_code == 204
    assert client.get(f"/fhir/Subscription/{made['id']}", headers=auth).status_code == 410


def test_the_capability_statement_lists_subscription(client) -> None:
    statement = client.get("/fhir/metadata").json()
    entry = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Subscription")
    codes = {i["code"] for i in entry["interaction"]}
    assert {"create", "read", "search-type", "delete"} <= codes


def test_a_status_change_without_subscriptions_costs_one_query(gp_system, user_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    referral = gp_referral(gp_system)
    with CaptureQueriesContext(connection) as queries:
        referrals.claim(actor=user_for("coordinator"), referral=referral)
    touching = [q["sql"] for q in queries if "subscriptions_" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("SELECT")
    assert not Job.objects.filter(kind=services.DELIVER_JOB).exists()
