"""Benchmark the co-ordinator worklist under load (issue 6; design.md budgets).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caretrust_bench_worklist \
        python benchmarks/bench_worklist.py [--referrals 50000] [--coordinators 20] [--actions 1000]

Creates a fresh PostgreSQL database, migrates it, loads the demo directory and `--referrals` open
referrals (with their people) in one locality, so every co-ordinator works the same worklist (the
most contention). Then `--coordinators` threads, each with its own database connection, act as
co-ordinators through the real services: read the worklist (new, most urgent first), claim one of
the top 25 at random, triage it, route it to the locality team; `--actions` service calls each
(a lost claim race counts as an action: the loser is told who has it and moves on).

Checks afterwards, from the database: no referral claimed twice (one "received" event each, one
winner), no lost update (every referral a co-ordinator triaged and routed shows exactly that
urgency, route and version, with one audit row per action). Writes benchmarks/results/worklist.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "worklist.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/caretrust_bench_worklist"
BUDGET_P95_MS = 150


def fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caretrust.config.settings.test")
    import django

    django.setup()


def load(referral_count: int, coordinator_count: int) -> list:
    from django.core.management import call_command
    from django.utils import timezone

    from caretrust import guard
    from caretrust.demo import load_demo_directory as load_demo_organisations
    from caretrust.organisations.models import Organisation, Team, User
    from caretrust.people.models import Person
    from caretrust.referrals.models import Referral, ReferralEvent, new_reference, response_standard

    call_command("migrate", verbosity=0)
    load_demo_organisations()
    team = Team.objects.get(code="torquay-mdt")
    coordinators = []
    for n in range(coordinator_count):
        user = User.objects.create_user(
            f"bench-coordinator-{n:02d}",
            first_name="Co-ordinator",
            last_name=f"{n:02d}",
            role=User.Role.COORDINATOR,
            organisation=team.host_organisation,
        )
        team.memberships.create(user=user)
        coordinators.append(user)
    practice = Organisation.objects.get(code="DEMO-GP1")
    gp = User.objects.get(username="gp")
    rng = random.Random(6)
    now = timezone.now()
    batch = 5000
    # The named bulk path (ADR 89): the services would take hours for this many rows.
    with guard.bulk_load(Person, Referral, why="worklist benchmark: synthetic referrals"):
        for start in range(0, referral_count, batch):
            size = min(batch, referral_count - start)
            people = Person.objects.bulk_create(
                [
                    Person(
                        given_name=f"Given{start + i}",
                        family_name=f"Family{start + i}",
                        gp_practice=practice,
                    )
                    for i in range(size)
                ]
            )
            referrals = []
            for person in people:
                urgency = rng.choices(["urgent", "soon", "routine"], weights=[1, 3, 6])[0]
                created = now - timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
                referrals.append(
                    Referral(
                        reference=new_reference(),
                        source="gp",
                        person=person,
                        locality=team.locality,
                        referrer=gp,
                        referrer_organisation=practice,
                        referrer_name="Helen Moss",
                        reason="Benchmark referral: fall at home.",
                        consent=True,
                        urgency=urgency,
                        requested_urgency=urgency,
                        created_at=created,
                        due_by=created + response_standard(urgency),
                    )
                )
            created_rows = Referral.objects.bulk_create(referrals)
            ReferralEvent.objects.bulk_create(
                [
                    ReferralEvent(referral=r, to_status="requested", actor_label="Helen Moss")
                    for r in created_rows
                ]
            )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return coordinators


def run(coordinators: list, actions: int) -> dict:
    from django.db import connections

    from caretrust.organisations.models import Team
    from caretrust.referrals import services
    from caretrust.referrals.selectors import WorklistQuery, worklist

    team = Team.objects.get(code="torquay-mdt")
    timings: dict[str, list[float]] = {"claim": [], "triage": [], "route": [], "worklist": []}
    lock = threading.Lock()
    won: dict[int, list[int]] = {}
    done: dict[int, tuple[str, int]] = {}  # referral id -> (urgency set, coordinator id)
    lost_races = Counter()
    errors: list[str] = []
    barrier = threading.Barrier(len(coordinators))

    def work(user) -> None:
        rng = random.Random(user.pk)
        mine: list[int] = []
        local = {k: [] for k in timings}
        count = 0
        holding = None  # (referral, next step)
        barrier.wait()
        try:
            while count < actions:
                if holding is None:
                    t0 = time.perf_counter()
                    top = list(worklist(user, WorklistQuery(view="new", sort="urgency"))[:25])
                    t1 = time.perf_counter()
                    local["worklist"].append(t1 - t0)
                    if not top:
                        break
                    referral = rng.choice(top)
                    try:
                        services.claim(actor=user, referral=referral)
                        mine.append(referral.pk)
                        holding = (referral, "triage")
                    except (services.AlreadyClaimed, services.ReferralChanged):
                        lost_races[user.pk] += 1
                    # A claim is what a co-ordinator does from the worklist: time both together.
                    local["claim"].append(time.perf_counter() - t0)
                else:
                    referral, step = holding
                    t0 = time.perf_counter()
                    if step == "triage":
                        urgency = rng.choice(["urgent", "soon", "routine"])
                        services.triage(actor=user, referral=referral, urgency=urgency)
                        holding = (referral, "route")
                        done[referral.pk] = (urgency, user.pk)
                    else:
                        services.route(actor=user, referral=referral, team=team)
                        holding = None
                    local[step].append(time.perf_counter() - t0)
                count += 1
        except Exception as exc:  # reported in the results, never hidden
            errors.append(f"{user.username}: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()
            with lock:
                won[user.pk] = mine
                for key, values in local.items():
                    timings[key].extend(values)

    threads = [threading.Thread(target=work, args=(user,)) for user in coordinators]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "timings": timings,
        "won": won,
        "done": done,
        "lost_races": lost_races,
        "errors": errors,
        "seconds": elapsed,
    }


def verify(outcome: dict) -> dict:
    from django.db.models import Count

    from caretrust.access.models import AuditEvent
    from caretrust.referrals.models import Referral, ReferralEvent

    claimed_twice = (
        ReferralEvent.objects.filter(from_status="requested", to_status="received")
        .values("referral")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    all_won = [pk for pks in outcome["won"].values() for pk in pks]
    claimed_twice += len(all_won) - len(set(all_won))
    owner = {pk: user for user, pks in outcome["won"].items() for pk in pks}
    lost_updates = 0
    rows = Referral.objects.filter(pk__in=list(owner)).values(
        "pk", "claimed_by", "urgency", "status", "version", "routed_at"
    )
    audit_counts = dict(
        AuditEvent.objects.filter(
            object_type="referrals.referral",
            action="update",
            object_id__in=[str(pk) for pk in owner],
        )
        .values_list("object_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        expected_version = 2
        if row["claimed_by"] != owner[row["pk"]]:
            lost_updates += 1
            continue
        if row["pk"] in outcome["done"]:
            urgency, _ = outcome["done"][row["pk"]]
            expected_version = 3
            if row["urgency"] != urgency:
                lost_updates += 1
                continue
            # Routed: in the team's in-tray (still received, ADR 70).
            if row["routed_at"] is not None:
                expected_version = 4
        if (
            row["version"] != expected_version
            or audit_counts.get(str(row["pk"]), 0) != expected_version - 1
        ):
            lost_updates += 1
    return {
        "referrals_claimed": len(set(all_won)),
        "referrals_claimed_twice": claimed_twice,
        "lost_updates": lost_updates,
        "still_open_unclaimed": Referral.objects.filter(status="requested").count(),
    }


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pick(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {
        "count": len(ordered),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=50_000)
    parser.add_argument("--coordinators", type=int, default=20)
    parser.add_argument("--actions", type=int, default=1000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        print("bench_worklist: needs PostgreSQL (DATABASE_URL=postgres://...)", file=sys.stderr)
        return 2
    fresh_database(url)
    setup_django(url)
    t0 = time.perf_counter()
    coordinators = load(args.referrals, args.coordinators)
    load_seconds = time.perf_counter() - t0
    outcome = run(coordinators, args.actions)
    checks = verify(outcome)
    timings = outcome["timings"]
    actions = timings["claim"] + timings["triage"] + timings["route"]
    from django.db import connection

    result = {
        "benchmark": "co-ordinator worklist: concurrent claim, triage and route",
        "database": f"PostgreSQL {connection.pg_version // 10000}",
        "open_referrals_at_start": args.referrals,
        "coordinators": args.coordinators,
        "actions_per_coordinator": args.actions,
        "actions_total": len(actions),
        "load_seconds": round(load_seconds, 1),
        "run_seconds": round(outcome["seconds"], 1),
        "actions_per_second": round(len(actions) / outcome["seconds"], 1),
        "per_action": percentiles(actions),
        "per_kind": {kind: percentiles(values) for kind, values in timings.items()},
        "lost_claim_races": sum(outcome["lost_races"].values()),
        **checks,
        "errors": outcome["errors"],
        "budget_p95_ms": BUDGET_P95_MS,
        "cores": os.cpu_count(),
    }
    result["passed"] = (
        checks["referrals_claimed_twice"] == 0
        and checks["lost_updates"] == 0
        and not outcome["errors"]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
