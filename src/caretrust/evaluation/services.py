"""Writes of the evaluation area: start an evaluation (saved with its parameters, data directory
and code version; the data snapshot hash is added by the job when it reads the data)."""

from __future__ import annotations

from django.db import transaction

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.evaluation.models import Evaluation
from caretrust.evaluation.running import DESIGN_TITLES, JOB_KIND, code_version, data_dir


@transaction.atomic
def start_evaluation(*, actor, spec, title: str = "") -> Evaluation:
    """Save an Evaluation for ``spec`` (an EvaluationSpec) and start its background job."""
    from caretrust.jobs.services import submit

    policy.require(actor, "evaluation.run")
    title = title or (
        f"{DESIGN_TITLES[spec.design].split(' (')[0]}: {spec.treated_area.title()} "
        f"from {spec.start:%d %b %Y}"
    )
    evaluation = Evaluation.objects.create(
        title=title[:200],
        design=spec.design,
        outcome=spec.outcome,
        treated_area=spec.treated_area,
        start=spec.start,
        parameters=spec.as_dict(),
        data_dir=str(data_dir()),
        code_version=code_version(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=evaluation,
        details={"design": spec.design, "treated_area": spec.treated_area},
    )
    # The job finds its evaluation by id (with the immediate backend it has run when submit returns).
    job = submit(
        owner=actor,
        kind=JOB_KIND,
        title=f"Evaluation: {title}"[:200],
        parameters={"evaluation_id": evaluation.pk},
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(job=job)
    evaluation.refresh_from_db()
    return evaluation
