"""Writing analytics results back: risk scores into the record, indicators to the published store."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.optout import selectors as optout
from caretrust.outcomes.models import RiskScore
from caretrust.people.models import Person

BATCH = 2000


@dataclass(frozen=True)
class ScoreLoad:
    read: int
    loaded: int
    unknown_people: int
    score_date: dt.date | None


def _read(path: Path):
    import pandas as pd

    return pd.read_parquet(path) if path.exists() else None


@transaction.atomic
def load_scores(*, data_dir: Path) -> ScoreLoad:
    """Replace the scores of the score date found in `data_dir` (idempotent: the same files give
    the same rows). `person_id` in the analytics tables is the person's `ref` (a pseudonym).
    A secondary use: refused (StaleCohort) when the extract's National Data Opt-out check is no
    longer current (ADR 87)."""
    optout.require_current_extract(data_dir, "risk scores")
    scores = _read(data_dir / "risk_scores.parquet")
    if scores is None or scores.empty:
        return ScoreLoad(0, 0, 0, None)
    frailty = _read(data_dir / "frailty.parquet")
    efi = (
        {}
        if frailty is None
        else dict(
            zip(frailty.person_id, zip(frailty.efi, frailty.category, strict=True), strict=True)
        )
    )
    people = dict(Person.objects.filter(merged_into=None).values_list("ref", "pk"))
    people = {str(ref): pk for ref, pk in people.items()}
    score_date = scores.score_date.iloc[0]
    score_date = score_date.date() if hasattr(score_date, "date") else score_date
    RiskScore.objects.filter(score_date=score_date).delete()
    rows, unknown = [], 0
    for row in scores.itertuples(index=False):
        pk = people.get(str(row.person_id))
        if pk is None:
            unknown += 1
            continue
        efi_value, category = efi.get(row.person_id, (None, ""))
        rows.append(
            RiskScore(
                person_id=pk,
                score_date=score_date,
                model=row.model,
                risk=float(row.risk),
                rank_percentile=float(row.rank_percentile),
                efi=None if efi_value is None or math.isnan(efi_value) else float(efi_value),
                efi_category=category or "",
            )
        )
    RiskScore.objects.bulk_create(rows, batch_size=BATCH)
    audit.record(
        actor=None,
        actor_label="caretrust stratify",
        action=AuditEvent.Action.IMPORT,
        object_type="outcomes.riskscore",
        object_id=str(score_date),
        details={"read": len(scores), "loaded": len(rows), "unknown_people": unknown},
    )
    return ScoreLoad(len(scores), len(rows), unknown, score_date)


def refer_from_case_finding(*, actor, score: RiskScore, consent):
    """From the risk list into the co-ordinator worklist. Proactive case management is direct
    care, but being referred is still the person's decision: `consent` (a
    `capacity.services.ConsentGiven`) records who agreed, how and when, or that the referral is
    made in their best interests on a recorded capacity assessment (ADR 74)."""
    from caretrust.outcomes.selectors import band_of
    from caretrust.referrals.services import submit_professional_referral

    # The authorised role decision: the list is scoped to the user's practices (their own GP
    # practice, or a co-ordinator's locality), and the referral opens no record to its maker.
    policy.require(actor, "outcomes.refer_from_case_finding", score.person)

    band = band_of(score.rank_percentile) or f"top {100 - score.rank_percentile:.0f}%"
    frailty = f", frailty {score.efi_category}" if score.efi_category else ""
    return submit_professional_referral(
        actor=actor,
        person=score.person,
        source="case_finding",
        reason=(
            f"Proactive care: {band} risk of an emergency admission in the next 12 months "
            f"({score.risk:.0%} on {score.score_date:%d %b %Y}){frailty}. Please consider case "
            "management and a joint assessment."
        ),
        consent_given=consent,
    )


@transaction.atomic
def start_projection(
    *,
    actor,
    name: str,
    description: str,
    toml: str,
    based_on: str,
    seed: int,
    runs: int,
    years: int,
):
    """Save the scenario (reusing an identical one the actor saved before) and a run of it, and
    start the run's background job. Returns the ProjectionRun."""
    from caretrust.jobs.services import submit
    from caretrust.outcomes.models import PlanScenario, ProjectionRun
    from caretrust.outcomes.planning import JOB_KIND

    policy.require(actor, "outcomes.plan_ahead")
    scenario = PlanScenario.objects.filter(created_by=actor, name=name, toml=toml).first()
    if scenario is None:
        scenario = PlanScenario.objects.create(
            name=name, description=description, toml=toml, based_on=based_on, created_by=actor
        )
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=scenario)
    run = ProjectionRun.objects.create(
        scenario=scenario,
        scenario_name=name,
        scenario_toml=toml,
        seed=seed,
        runs=runs,
        years=years,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=run,
        details={"seed": seed, "runs": runs, "years": years},
    )
    # The job finds its run by id (with the immediate backend it has run when submit returns).
    job = submit(
        owner=actor,
        kind=JOB_KIND,
        title=f"Projection: {name} ({runs} runs × {years} years)",
        parameters={"run_id": run.pk},
    )
    ProjectionRun.objects.filter(pk=run.pk).update(job=job)
    run.refresh_from_db()
    return run
