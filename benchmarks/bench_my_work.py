"""Benchmark "My work" (each professional's home page) and the team in-tray under load (issue #15).

    python benchmarks/bench_my_work.py [--people 1000000] [--referrals 50000] [--clients 20]
        [--requests 2000] [--think 1.0] [--processes 2] [--threads 8]
        [--database postgres://postgres@127.0.0.1:5432/caretrust_bench_my_work] [--reuse]

1. Creates (or, with --reuse, keeps) a PostgreSQL database: the demo directory, `--people` people
   registered at the four demo practices, and `--referrals` open referrals spread over the three
   locality teams, each team with `--workers` practitioners: per team a few hundred referrals
   waiting in its in-tray, the co-ordinators' worklist, and the rest accepted and allocated
   (caseloads of tens per worker), 60 % of those with an active care plan, its visits (two a
   week, from a week ago to four weeks ahead: today's visits) and open tasks (about ten per
   worker, some overdue), plus `--closed` completed referrals of other people. All of it is
   made in SQL (INSERT ... SELECT over generate_series): minutes, not hours, and not what is
   measured.
2. Starts `caretrust serve --processes P --threads T` against it.
3. `--clients` users sign in (before the clock starts): 6 practitioners of each locality team
   (the demo nurse, OT and social worker among Torquay's) and 2 co-ordinators. Each waits an
   exponentially distributed think time (mean `--think` s, seeded) after each response. A
   practitioner alternates their My work page (`/`) with the team in-tray (first page, or the
   next); a co-ordinator opens My work. Every request is a real HTTP request with its
   authorisation, header counts and audit rows.
Budget (issue #15): p95 <= 150 ms for each page. Client, server and PostgreSQL share the machine;
the result records the CPU each used and the load average (other work on the machine).
Results: benchmarks/results/my_work.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import requests

sys.path.insert(0, str(Path(__file__).parent))
from bench_record_load import (
    DEMO_PASSWORD,
    busy_cpu_seconds,
    cpu_seconds,
    database_cpu_seconds,
    fresh_demo_database,
    percentile,
)

RESULTS = Path(__file__).parent / "results" / "my_work.json"
BUDGET_P95_MS = 150
TEAMS = ("torquay-mdt", "paignton-mdt", "brixham-mdt")
# Each team's practices (the people registered there live in its locality).
PRACTICES = {"torquay-mdt": ("DEMO-GP1", "DEMO-GP2"), "paignton-mdt": ("DEMO-GP3",)}
PRACTICES["brixham-mdt"] = ("DEMO-GP4",)
IN_TRAY_PER_TEAM = 300
CLAIMED_PER_TEAM = 1000  # with a co-ordinator, not yet routed
CASELOAD = 40  # accepted referrals per worker
TASKS_PER_WORKER = 10
PROFESSIONS = ("community_nurse", "occupational_therapist", "social_worker", "physiotherapist")
VISIT_KINDS = ("home_care", "community_nursing", "reablement", "physiotherapy")


def insert_select(cur, table: str, values: dict[str, str], source: str, params: dict) -> int:
    """INSERT INTO table (...) SELECT ... FROM source. Columns not given that must have a value
    get a neutral one of their type (so a column added by a later migration does not break the
    benchmark); identity columns are left to the database."""
    cur.execute(
        "select column_name, data_type from information_schema.columns where table_name = %s "
        "and is_nullable = 'NO' and column_default is null and is_identity = 'NO'",
        [table],
    )
    neutral = {
        "boolean": "false",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "jsonb": "'{}'::jsonb",
        "date": "current_date",
        "timestamp with time zone": "now()",
        "uuid": "gen_random_uuid()",
        "numeric": "0",
    }
    filled = dict(values)
    for column, data_type in cur.fetchall():
        if column not in filled:
            filled[column] = neutral.get(data_type, "''")
    columns = ", ".join(filled)
    expressions = ", ".join(filled.values())
    cur.execute(f"insert into {table} ({columns}) select {expressions} from {source}", params)
    return cur.rowcount


def load(database: str, people: int, referrals: int, workers: int, closed: int) -> dict:
    import psycopg

    fresh_demo_database(database)
    today = datetime.now(ZoneInfo("Europe/London")).date()
    counts: dict[str, int] = {}
    with psycopg.connect(database) as conn, conn.cursor() as cur:
        ids = dict(cur.execute("select code, id from organisations_organisation").fetchall())
        teams = dict(cur.execute("select code, id from organisations_team").fetchall())
        users = dict(cur.execute("select username, id from organisations_user").fetchall())
        password = cur.execute(
            "select password from organisations_user where username = 'nurse'"
        ).fetchone()[0]
        # One practice per person, chosen so that person p (p = offset + g) lives in team g % 3.
        offset = cur.execute("select coalesce(max(id), 0) from people_person").fetchone()[0]
        started = time.perf_counter()
        counts["people"] = insert_select(
            cur,
            "people_person",
            {
                "id": "%(offset)s + g",
                "ref": "md5(g::text || 'my-work')::uuid",
                "given_name": "'Given' || (g %% 997)",
                "family_name": "'Family' || (g %% 1009)",
                "birth_date": "date '1925-01-01' + (g %% 29000)",
                "sex": "case when g %% 2 = 0 then 'female' else 'male' end",
                "postcode": "'TQ' || (g %% 9) || ' ' || (g %% 10) || 'AB'",
                "gp_practice_id": "case g %% 3 when 0 then (case when g %% 2 = 0 then %(gp1)s "
                "else %(gp2)s end) when 1 then %(gp3)s else %(gp4)s end",
                "demographics_source": "'bench'",
                "version": "1",
            },
            "generate_series(1, %(people)s::int) as g",
            {
                "offset": offset,
                "people": people,
                "gp1": ids["DEMO-GP1"],
                "gp2": ids["DEMO-GP2"],
                "gp3": ids["DEMO-GP3"],
                "gp4": ids["DEMO-GP4"],
            },
        )
        cur.execute("select setval('people_person_id_seq', (select max(id) from people_person))")
        print(f"people: {time.perf_counter() - started:.0f} s", flush=True)

        # Workers: per team, `workers` practitioners (the demo ones first, in Torquay).
        cur.execute(
            "create temporary table bench_worker (team int, k int, user_id bigint, "
            "primary key (team, k))"
        )
        demo = [users["nurse"], users["ot"], users["socialworker"]]
        for t, code in enumerate(TEAMS):
            existing = demo if code == "torquay-mdt" else []
            for k, user_id in enumerate(existing):
                cur.execute("insert into bench_worker values (%s, %s, %s)", [t, k, user_id])
            cur.execute(
                "select setval(pg_get_serial_sequence('organisations_user', 'id'), "
                "(select max(id) from organisations_user))"
            )
            made = insert_select(
                cur,
                "organisations_user",
                {
                    "password": "%(password)s",
                    "username": "'bench-' || %(code)s || '-' || k",
                    "first_name": "'Worker'",
                    "last_name": "%(code)s || ' ' || k",
                    "email": "'bench-' || %(code)s || '-' || k || '@example.org'",
                    "is_active": "true",
                    "date_joined": "now()",
                    "role": "'practitioner'",
                    "profession": "(%(professions)s::text[])[1 + k %% 4]",
                    "organisation_id": "%(trust)s",
                },
                "generate_series(%(first)s::int, %(last)s::int) as k",
                {
                    "password": password,
                    "code": code,
                    "professions": list(PROFESSIONS),
                    "trust": ids["DEMO-TRUST"],
                    "first": len(existing),
                    "last": workers - 1,
                },
            )
            cur.execute(
                "insert into bench_worker select %s, split_part(username, '-', 4)::int, id "
                "from organisations_user where username like %s",
                [t, f"bench-{code}-%"],
            )
            cur.execute(
                "insert into organisations_teammembership (is_lead, started, team_id, user_id) "
                "select false, current_date, %s, id from organisations_user "
                "where username like %s",
                [teams[code], f"bench-{code}-%"],
            )
            counts[f"workers_{code}"] = made + len(existing)
        # A second co-ordinator, for Paignton (the demo one works Torquay).
        insert_select(
            cur,
            "organisations_user",
            {
                "password": "%(password)s",
                "username": "'bench-coordinator-paignton'",
                "first_name": "'Co-ordinator'",
                "last_name": "'Paignton'",
                "email": "'bench-coordinator-paignton@example.org'",
                "is_active": "true",
                "date_joined": "now()",
                "role": "'coordinator'",
                "organisation_id": "%(trust)s",
            },
            "(select 1) as one",
            {"password": password, "trust": ids["DEMO-TRUST"]},
        )
        cur.execute(
            "insert into organisations_teammembership (is_lead, started, team_id, user_id) "
            "select false, current_date, t.id, u.id from organisations_user u, "
            "organisations_team t where u.username = 'bench-coordinator-paignton' "
            "and t.code in ('spoc', 'paignton-mdt')"
        )
        coordinators = {
            0: users["coordinator"],
            1: cur.execute(
                "select id from organisations_user where username = 'bench-coordinator-paignton'"
            ).fetchone()[0],
            2: users["coordinator"],
        }
        cur.execute(
            "create temporary table bench_team (t int primary key, team bigint, "
            "locality bigint, coordinator bigint)"
        )
        for t, code in enumerate(TEAMS):
            cur.execute(
                "insert into bench_team select %s, id, locality_id, %s from organisations_team "
                "where code = %s",
                [t, coordinators[t], code],
            )

        # Open referrals: referral g is about person offset + 19 g (in team g % 3's locality);
        # n = g / 3 is its place in the team's list, which decides where it stands.
        started = time.perf_counter()
        accepted = workers * CASELOAD
        routed = accepted + IN_TRAY_PER_TEAM
        claimed = routed + CLAIMED_PER_TEAM
        stage = (
            "case when g / 3 < %(accepted)s then 'accepted' when g / 3 < %(routed)s then "
            "'routed' when g / 3 < %(claimed)s then 'claimed' else 'new' end"
        )
        source = (
            f"(select g, g / 3 as n, b.*, {stage} as stage, "
            "(array['urgent','soon','routine','routine','soon'])[1 + g %% 5] as urgency, "
            "now() - ((g %% 20000) * interval '1 minute') - "
            "(case when g / 3 < %(accepted)s then interval '30 days' else interval '0' end) "
            "as created from generate_series(1, %(referrals)s::int) as g "
            "join bench_team b on b.t = g %% 3) as s "
            "left join bench_worker w on w.team = s.t and w.k = s.n %% %(workers)s "
            "and s.stage = 'accepted'"
        )
        params = {
            "referrals": referrals,
            "accepted": accepted,
            "routed": routed,
            "claimed": claimed,
            "workers": workers,
            "offset": offset,
            "gp": users["gp"],
            "gp1": ids["DEMO-GP1"],
        }
        counts["open_referrals"] = insert_select(
            cur,
            "referrals_referral",
            {
                "reference": "'R-B' || lpad(g::text, 7, '0')",
                "uuid": "md5(g::text || 'referral')::uuid",
                "source": "'gp'",
                "person_id": "%(offset)s + 19 * g",
                "locality_id": "s.locality",
                "referrer_id": "%(gp)s",
                "referrer_organisation_id": "%(gp1)s",
                "referrer_name": "'Helen Moss'",
                "reason": "'Benchmark referral: fall at home, lives alone.'",
                "consent": "true",
                "requested_urgency": "s.urgency",
                "urgency": "s.urgency",
                "status": "case s.stage when 'accepted' then (case when g %% 4 = 0 then "
                "'in-progress' else 'accepted' end) when 'new' then 'requested' "
                "else 'received' end",
                "due_by": "s.created + case s.urgency when 'urgent' then interval '4 hours' "
                "when 'soon' then interval '48 hours' else interval '120 hours' end",
                "claimed_by_id": "case when s.stage <> 'new' then s.coordinator end",
                "claimed_at": "case when s.stage <> 'new' then s.created + interval '1 hour' end",
                "routed_team_id": "case when s.stage in ('accepted', 'routed') then s.team end",
                "routed_at": "case when s.stage in ('accepted', 'routed') "
                "then s.created + interval '2 hours' end",
                "outcome": "case when s.stage in ('accepted', 'routed') then 'routed_team' "
                "else '' end",
                "accepted_at": "case when s.stage = 'accepted' then s.created + interval '1 day' "
                "end",
                "responded_at": "case when s.stage = 'accepted' then s.created + interval '1 day' "
                "end",
                "accepted_by_id": "w.user_id",
                "allocated_to_id": "w.user_id",
                "allocated_at": "case when s.stage = 'accepted' then s.created + interval '1 day' "
                "end",
                "business_status": "case s.stage when 'routed' then 'Routed to the team' "
                "when 'accepted' then 'Accepted by the team' else '' end",
                "created_at": "s.created",
                "updated_at": "s.created",
                "version": "1",
            },
            source,
            params,
        )
        counts["closed_referrals"] = insert_select(
            cur,
            "referrals_referral",
            {
                "reference": "'R-C' || lpad(g::text, 7, '0')",
                "uuid": "md5(g::text || 'closed')::uuid",
                "source": "'gp'",
                "person_id": "%(offset)s + 19 * g + 7",
                "locality_id": "b.locality",
                "referrer_id": "%(gp)s",
                "reason": "'Benchmark referral, long finished.'",
                "consent": "true",
                "requested_urgency": "'routine'",
                "urgency": "'routine'",
                "status": "'completed'",
                "due_by": "now() - interval '200 days'",
                "responded_at": "now() - interval '200 days'",
                "completed_at": "now() - interval '100 days'",
                "routed_team_id": "b.team",
                "created_at": "now() - interval '205 days'",
                "updated_at": "now() - interval '100 days'",
                "version": "1",
            },
            "generate_series(1, %(closed)s::int) as g join bench_team b on b.t = g %% 3",
            {"closed": closed, "offset": offset, "gp": users["gp"]},
        )
        print(f"referrals: {time.perf_counter() - started:.0f} s", flush=True)

        # Care plans for 60 % of the accepted referrals; two visits a week for each.
        started = time.perf_counter()
        counts["care_plans"] = insert_select(
            cur,
            "careplans_careplan",
            {
                "uuid": "gen_random_uuid()",
                "care_team_uuid": "gen_random_uuid()",
                "person_id": "r.person_id",
                "referral_id": "r.id",
                "status": "'active'",
                "coordinator_id": "r.claimed_by_id",
                "created_by_id": "r.claimed_by_id",
                "review_date": "%(today)s::date + (r.id %% 180)::int",
                "agreed_at": "r.accepted_at + interval '7 days'",
                "created_at": "r.accepted_at + interval '5 days'",
                "updated_at": "r.accepted_at + interval '7 days'",
                "version": "1",
            },
            "referrals_referral r where r.allocated_to_id is not null and r.id %% 5 < 3",
            {"today": today},
        )
        counts["visits"] = insert_select(
            cur,
            "careplans_visit",
            {
                "uuid": "gen_random_uuid()",
                "person_id": "p.person_id",
                "plan_id": "p.id",
                "sequence": "1",
                "kind": "(%(kinds)s::text[])[1 + p.id %% 4]",
                "date": "%(today)s::date + d",
                "time": "time '08:00' + (p.id %% 10) * interval '1 hour'",
                "status": "case when d < 0 then 'done' else 'planned' end",
                "organisation_id": "%(trust)s",
                "team_id": "r.routed_team_id",
                "joint_with": "'[]'::jsonb",
            },
            "careplans_careplan p join referrals_referral r on r.id = p.referral_id, "
            "generate_series(-7, 27) as d where (p.id + d) %% 7 in (0, 3)",
            {"today": today, "kinds": list(VISIT_KINDS), "trust": ids["DEMO-TRUST"]},
        )
        # Tasks: about ten open ones per worker about people on their caseload (some overdue,
        # some urgent), as many done, and a few for each team.
        task_source = (
            "(select r.*, row_number() over (partition by r.allocated_to_id order by r.id) as i "
            "from referrals_referral r where r.allocated_to_id is not null) as r "
            "where r.i <= %(per)s * 2"
        )
        counts["tasks"] = insert_select(
            cur,
            "workspace_task",
            {
                "uuid": "gen_random_uuid()",
                "code": "'follow-up'",
                "person_id": "r.person_id",
                "title": "'Follow up: ' || r.reference",
                "assigned_user_id": "case when r.i %% 10 = 0 then null else r.allocated_to_id end",
                "assigned_team_id": "case when r.i %% 10 = 0 then r.routed_team_id end",
                "due_date": "%(today)s::date + (r.id %% 21)::int - 7",
                "priority": "case when r.id %% 5 = 0 then 'urgent' else 'routine' end",
                "status": "case when r.i <= %(per)s then 'requested' else 'completed' end",
                "created_by_id": "r.claimed_by_id",
                "created_at": "r.accepted_at",
                "updated_at": "r.accepted_at",
                "completed_at": "case when r.i > %(per)s then r.accepted_at + interval '3 days' "
                "end",
                "version": "1",
            },
            task_source,
            {"today": today, "per": TASKS_PER_WORKER},
        )
        print(f"plans, visits and tasks: {time.perf_counter() - started:.0f} s", flush=True)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return counts


def data_sizes(database: str) -> dict:
    """What the database holds (also after --reuse), counted from it."""
    import psycopg

    today = datetime.now(ZoneInfo("Europe/London")).date()
    with psycopg.connect(database) as conn:

        def one(sql: str, params=()) -> int | float:
            value = conn.execute(sql, params).fetchone()[0] or 0
            return int(value) if float(value).is_integer() else float(value)

        def per_team(sql: str, params=()) -> dict:
            return dict(conn.execute(sql, params).fetchall())

        return {
            "people": int(one("select count(*) from people_person")),
            "open_referrals": one(
                "select count(*) from referrals_referral where status not in "
                "('completed', 'rejected', 'cancelled', 'failed')"
            ),
            "completed_referrals": one(
                "select count(*) from referrals_referral where status = 'completed'"
            ),
            "care_plans": one("select count(*) from careplans_careplan"),
            "visits": one("select count(*) from careplans_visit"),
            "tasks": one("select count(*) from workspace_task"),
            "practitioners_per_team": per_team(
                "select t.code, count(*) from organisations_teammembership m join "
                "organisations_team t on t.id = m.team_id join organisations_user u on "
                "u.id = m.user_id where u.role = 'practitioner' group by t.code"
            ),
            "in_tray_per_team": per_team(
                "select t.code, count(*) from referrals_referral r join organisations_team t "
                "on t.id = r.routed_team_id where r.status = 'received' and r.accepted_at is null "
                "and r.routed_at is not null group by t.code"
            ),
            "caseload_per_worker": round(
                one(
                    "select avg(n) from (select count(*) as n from referrals_referral "
                    "where allocated_to_id is not null and status not in ('completed', "
                    "'rejected', 'cancelled', 'failed') group by allocated_to_id) as c"
                ),
                1,
            ),
            "open_tasks_per_worker": round(
                one(
                    "select avg(n) from (select count(*) as n from workspace_task where "
                    "status in ('requested', 'in-progress') and assigned_user_id is not null "
                    "group by assigned_user_id) as c"
                ),
                1,
            ),
            "visits_today_per_team": per_team(
                "select t.code, count(*) from careplans_visit v join organisations_team t "
                "on t.id = v.team_id where v.date = %s group by t.code",
                [today],
            ),
            "audit_events": one("select count(*) from access_auditevent"),
        }


def simulated_users(clients: int) -> list[tuple[str, str]]:
    """(user name, kind): 6 practitioners of each team (demo ones first), then co-ordinators."""
    practitioners = ["nurse", "ot", "socialworker"] + [
        f"bench-torquay-mdt-{k}" for k in range(3, 6)
    ]
    for code in TEAMS[1:]:
        practitioners += [f"bench-{code}-{k}" for k in range(6)]
    coordinators = ["coordinator", "bench-coordinator-paignton"][: 2 if clients >= 4 else 1]
    users = [(name, "practitioner") for name in practitioners[: clients - len(coordinators)]]
    return users + [(name, "coordinator") for name in coordinators]


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/sign-in/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/sign-in/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/sign-in/"},
        timeout=60,
    )
    response.raise_for_status()
    if "/sign-in/" in response.url:
        raise SystemExit(f"could not sign in as {username}")
    return session


def run_load(base, users, sessions, per_client, think, seed, server, database) -> dict:
    """Each user: a page, then an exponential think time; latency per page kind."""
    latencies: dict[str, list[float]] = {"my_work_practitioner": [], "my_work_coordinator": []}
    latencies["in_tray"] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(sessions) + 1)

    def worker(number: int) -> None:
        (username, kind), session = users[number], sessions[number]
        rng = random.Random(seed * 1000 + number)
        mine: dict[str, list[float]] = {key: [] for key in latencies}
        bad = []
        ready.wait()
        if think:  # arrive at random, not all at once
            time.sleep(rng.expovariate(1 / think))
        for i in range(per_client):
            if kind == "coordinator":
                page, url = "my_work_coordinator", "/"
            elif i % 2 == 0:
                page, url = "my_work_practitioner", "/"
            else:
                page, url = "in_tray", f"/referrals/in-tray/?page={1 + rng.randrange(3)}"
            start = time.perf_counter()
            try:
                response = session.get(base + url, timeout=60)
                ok = response.status_code == 200 and "/sign-in/" not in response.url
            except requests.RequestException:  # counted, never a silently lost request
                ok = False
            mine[page].append((time.perf_counter() - start) * 1000)
            if not ok:
                bad.append(f"{username} {url}")
            if think:
                time.sleep(rng.expovariate(1 / think))
        with lock:
            for key, values in mine.items():
                latencies[key].extend(values)
            errors.extend(bad)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    server_cpu, client_cpu = cpu_seconds(server), time.process_time()
    database_cpu, busy = database_cpu_seconds(database), busy_cpu_seconds()
    load_before = os.getloadavg()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    server_cpu, client_cpu = cpu_seconds(server) - server_cpu, time.process_time() - client_cpu
    database_cpu = database_cpu_seconds(database) - database_cpu
    other_cpu = busy_cpu_seconds() - busy - server_cpu - client_cpu - database_cpu
    total = sum(len(v) for v in latencies.values())
    cores = (os.cpu_count() or 1) * seconds
    pages = {}
    for page, values in latencies.items():
        values.sort()
        if not values:
            continue
        pages[page] = {
            "requests": len(values),
            "p50_ms": round(percentile(values, 0.50), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(values[-1], 1),
            "budget_p95_ms": BUDGET_P95_MS,
            "within_budget": percentile(values, 0.95) <= BUDGET_P95_MS,
        }
    return {
        "requests": total,
        "errors": len(errors),
        "error_examples": errors[:5],
        "seconds": round(seconds, 1),
        "requests_per_second": round(total / seconds, 1),
        "pages": pages,
        "cpu_ms_per_request": {
            "web_server": round(server_cpu * 1000 / total, 1),
            "postgresql": round(database_cpu * 1000 / total, 1),
            "load_client": round(client_cpu * 1000 / total, 1),
        },
        "cpu_share_of_all_cores": {
            "web_server": round(server_cpu / cores, 2),
            "postgresql": round(database_cpu / cores, 2),
            "load_client": round(client_cpu / cores, 2),
            "other_work_on_the_machine": round(max(other_cpu, 0.0) / cores, 2),
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True, text=True)
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=50_000, help="open referrals")
    parser.add_argument("--closed", type=int, default=50_000, help="completed referrals")
    parser.add_argument("--workers", type=int, default=120, help="practitioners per team")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="in total")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/caretrust_bench_my_work"
    )
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--processes", type=int, default=2, help="web server processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--load-only", action="store_true", help="load the database and stop")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.referrals < 3 * (args.workers * CASELOAD + IN_TRAY_PER_TEAM):
        raise SystemExit("--referrals too few for the teams' caseloads and in-trays")
    if args.referrals * 19 + 7 > args.people:
        raise SystemExit("--people must be at least 19 x --referrals")
    database_name = args.database.rsplit("/", 1)[1]

    load_seconds = None
    if not args.reuse:
        start = time.perf_counter()
        load(args.database, args.people, args.referrals, args.workers, args.closed)
        load_seconds = round(time.perf_counter() - start, 1)
        print(f"loaded in {load_seconds} s", flush=True)
    data = data_sizes(args.database)
    print(json.dumps(data), flush=True)
    if args.load_only:
        return
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "900",  # keep each thread's connection, so backends' CPU is counted
    }
    serve = ["caretrust", "serve", "--port", str(args.port), "--processes", str(args.processes)]
    serve += ["--threads", str(args.threads)]
    server = subprocess.Popen([sys.executable, "-m", "caretrust.cli", *serve[1:]], env=env)
    base = f"http://127.0.0.1:{args.port}"
    users = simulated_users(args.clients)
    try:
        for _ in range(120):
            try:
                requests.get(f"{base}/about/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(1)
        sessions = [sign_in(base, username) for username, _ in users]
        process = psutil.Process(server.pid)
        per_client = max(2, args.requests // len(users))
        # warm-up: every server thread, both pages
        run_load(base, users, sessions, 4, 0, 9, process, database_name)
        # Service time: one practitioner and one co-ordinator, one request at a time each.
        print("two users, no think time...", flush=True)
        pair = [0, len(users) - 1]
        service = run_load(
            base,
            [users[i] for i in pair],
            [sessions[i] for i in pair],
            max(10, args.requests // 20),
            0,
            2,
            process,
            database_name,
        )
        print("users with think time...", flush=True)
        figures = run_load(base, users, sessions, per_client, args.think, 1, process, database_name)
    finally:
        server.terminate()
        server.wait(timeout=30)
    loaded = figures["load_average_before"][0] > (os.cpu_count() or 1)
    result = {
        "benchmark": "My work (home page) and the team in-tray: 20 users with think time",
        "commit": commit(),
        "data_at_start": data,
        "database": "PostgreSQL on 127.0.0.1",
        "server": f"{' '.join(serve)} (gunicorn, {args.processes} gthread workers x "
        f"{args.threads} threads)"
        if args.processes > 1 and args.threads > 1
        else f"{' '.join(serve)} (gunicorn, {args.processes} sync workers: one request at a "
        "time each, no keep-alive)"
        if args.processes > 1
        else f"{' '.join(serve)} (waitress, {args.threads} threads)",
        "load_seconds": load_seconds,
        "load_model": f"{len(users)} users, closed loop, each waiting an exponential think time "
        f"(mean {args.think} s, seeded) after each response: "
        f"{sum(k == 'practitioner' for _, k in users)} practitioners alternating My work and "
        f"their team's in-tray (pages 1-3), {sum(k == 'coordinator' for _, k in users)} "
        "co-ordinators on My work. Every request authorises, counts the header's in-tray, "
        "caseload and tasks, and audits the people it shows.",
        "users_with_think_time": figures,
        "service_time_two_users_no_think_time": service,
        "machine": {
            "cores": os.cpu_count(),
            "loaded_by_other_work": loaded,
            "note": "The load client, the web server and PostgreSQL share these cores with "
            "whatever else runs on the machine (not stopped for the benchmark): the load "
            "averages before and after the run say how much there was. "
            + (
                "The load average was above the number of cores: other work competed for the "
                "CPU, so these figures are worse than on an idle machine."
                if loaded
                else ""
            ),
        },
        "within_budget": all(p["within_budget"] for p in figures["pages"].values())
        and figures["errors"] == 0,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
