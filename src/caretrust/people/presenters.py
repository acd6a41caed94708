from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html

from caretrust.people.models import LinkCandidate

LABELS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "nhs_number": "NHS number",
}


@dataclass(frozen=True)
class ComparisonRow:
    field: str
    incoming: str
    existing: str
    weight: str


@dataclass(frozen=True)
class CandidateView:
    pk: int
    status: str
    probability: str
    weight: str
    incoming_name: str
    existing_name: str
    rows: list[ComparisonRow]
    link_html: str = ""


def candidate_view(candidate: LinkCandidate) -> CandidateView:
    rows = []
    for name, label in LABELS.items():
        detail = candidate.comparisons.get(name)
        if detail is None:
            continue
        weight = detail.get("weight")
        rows.append(
            ComparisonRow(
                label,
                str(detail.get("right") or "Not recorded"),
                str(detail.get("left") or "Not recorded"),
                "" if weight is None else f"{weight:+.1f}",
            )
        )
    return CandidateView(
        pk=candidate.pk,
        status=candidate.get_status_display(),
        probability=f"{candidate.match_probability:.1%}",
        weight=f"{candidate.match_weight:+.1f}",
        incoming_name=candidate.incoming.display_name,
        existing_name=candidate.existing.display_name,
        rows=rows,
        link_html=format_html(
            '<a href="{}">{} and {}</a>',
            reverse("record:link_candidate", args=[candidate.pk]),
            candidate.incoming.display_name,
            candidate.existing.display_name,
        ),
    )
