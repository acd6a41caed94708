"""The case-finding list: people registered at the user's practices, highest risk first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from caretrust.organisations.models import Organisation
from caretrust.outcomes.models import RiskScore

TOP_BANDS = ((0.5, "Top 0.5%"), (1.0, "Top 1%"), (5.0, "Top 5%"))


@dataclass(frozen=True)
class CaseRow:
    score_id: int
    open_referral: str  # the reference of an open referral for the person, if any
    person_ref: str
    name: str
    age: int | None
    practice: str
    risk_percent: str
    band: str
    frailty: str


@dataclass(frozen=True)
class CaseFindingPage:
    score_date: date | None
    rows: list[CaseRow]


def band_of(rank_percentile: float) -> str:
    for top, label in TOP_BANDS:
        if rank_percentile >= 100 - top:
            return label
    return ""


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def case_finding_list(practices: list[Organisation], *, top: int = 50) -> CaseFindingPage:
    latest = RiskScore.objects.order_by("-score_date").values_list("score_date", flat=True).first()
    if latest is None or not practices:
        return CaseFindingPage(latest, [])
    scores = (
        RiskScore.objects.filter(
            score_date=latest,
            person__gp_practice__in=practices,
            person__merged_into=None,
            person__death_date=None,
        )
        .select_related("person", "person__gp_practice")
        .order_by("-risk")[: max(1, min(top, 500))]
    )
    scores = list(scores)
    open_referrals = _open_referrals([score.person_id for score in scores])
    return CaseFindingPage(
        latest,
        [
            CaseRow(
                score_id=score.pk,
                open_referral=open_referrals.get(score.person_id, ""),
                person_ref=str(score.person.ref),
                name=score.person.display_name,
                age=_age(score.person.birth_date, latest),
                practice=score.person.gp_practice.name,
                risk_percent=f"{score.risk:.0%}",
                band=band_of(score.rank_percentile),
                frailty=score.efi_category or "not assessed",
            )
            for score in scores
        ],
    )


def _open_referrals(person_ids: list[int]) -> dict[int, str]:
    from caretrust.referrals.models import Referral

    rows = (
        Referral.objects.open()
        .filter(person_id__in=person_ids)
        .values_list("person_id", "reference")
    )
    return dict(rows)


# ------------------------------------------- reads for a page: authorised and audited (ADR 108)


def case_finding(viewer, *, practice: str = "", top: int = 50) -> tuple[CaseFindingPage, list]:
    """The case-finding page for `viewer` (a role allowed `outcomes.case_finding`): the highest
    risks among the people registered at their practices (or the one chosen), each person listed
    recorded as read ("outcomes.case_finding"). Returns the page and the practices it covers."""
    from caretrust.access import audit, policy
    from caretrust.outcomes.access_rules import practices_for

    policy.require(viewer, "outcomes.case_finding")
    practices = practices_for(viewer)
    shown = [p for p in practices if p.code == practice] or practices
    page = case_finding_list(shown, top=top)
    audit.record_reads(
        actor=viewer,
        person_refs=[row.person_ref for row in page.rows],
        object_type="outcomes.case_finding",
        details={"practices": [p.code for p in shown]},
    )
    return page, practices


def score_to_refer(viewer, score_id: int) -> RiskScore:
    """A risk score from the case-finding list, for the page that refers its person: only for a
    person registered at one of the viewer's practices (else PermissionDenied, as the list never
    showed them); the read of the person recorded, folded into the request's row (ADR 101)."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit, policy
    from caretrust.outcomes.access_rules import practices_for

    policy.require(viewer, "outcomes.case_finding")
    score = get_object_or_404(RiskScore.objects.select_related("person"), pk=score_id)
    if score.person.gp_practice not in practices_for(viewer):
        raise PermissionDenied("This person is not registered at one of your practices.")
    audit.person_read(
        viewer,
        score.person,
        purpose="outcomes.refer",
        obj=score.person,
        details={"page": "refer from case finding"},
        decision=policy.Decision(
            True, "The person is registered at one of your practices.", "object_rule"
        ),
    )
    return score
