from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html

from caretrust.people.models import LinkCandidate, Merge

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
            reverse("people:link_candidate", args=[candidate.pk]),
            candidate.incoming.display_name,
            candidate.existing.display_name,
        ),
    )


MERGE_REASONS = {
    "nhs_number": "Same NHS number",
    "linkage": "Linkage model (automatic)",
    "review": "Accepted in linkage review",
    "manual": "Joined by hand",
}


def _when(value) -> str:
    return f"{value:%-d %B %Y at %H:%M}" if value else ""


def _by(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class MergeView:
    """One merge of two people's records, as the merges and un-merge pages show it."""

    pk: int
    survivor_name: str
    survivor_ref: str
    merged_name: str
    merged_ref: str
    merged_birth_date: str
    merged_postcode: str
    how: str
    merged_on: str
    merged_by: str
    undone: bool
    undone_on: str
    undone_by: str
    status_html: str  # the state with, while the merge stands, a link to undo it


def merge_view(merge: Merge) -> MergeView:
    """`merge` with survivor, merged, merged_by and undone_by selected."""
    merged = merge.merged
    how = MERGE_REASONS.get(merge.reason, merge.reason)
    if merge.match_probability is not None:
        how += f" (match probability {merge.match_probability:.1%})"
    undone = merge.undone_at is not None
    status_html = (
        format_html("Undone on {} by {}", _when(merge.undone_at), _by(merge.undone_by))
        if undone
        else format_html(
            '<a href="{}">Undo this merge<span class="nhsuk-u-visually-hidden"> of {}</span></a>',
            reverse("people:undo_merge", args=[merge.pk]),
            merged.display_name,
        )
    )
    return MergeView(
        pk=merge.pk,
        survivor_name=merge.survivor.display_name,
        survivor_ref=str(merge.survivor.ref),
        merged_name=merged.display_name,
        merged_ref=str(merged.ref),
        merged_birth_date=f"{merged.birth_date:%-d %B %Y}" if merged.birth_date else "Not known",
        merged_postcode=merged.postcode or "Not known",
        how=how,
        merged_on=_when(merge.merged_at),
        merged_by=_by(merge.merged_by),
        undone=undone,
        undone_on=_when(merge.undone_at),
        undone_by=_by(merge.undone_by) if undone else "",
        status_html=status_html,
    )
