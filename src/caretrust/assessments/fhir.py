"""The joint assessment as a FHIR R4 QuestionnaireResponse (validated with fhir.resources R4B)."""

from __future__ import annotations

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from caretrust.assessments.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.assessments.models import Assessment
from caretrust.fhir.practitioners import reference as practitioner_reference

QUESTIONNAIRE = "https://caretrust.example.org/fhir/Questionnaire/joint-assessment|1"
DIFFICULTY_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/care-act-outcome-difficulty"
OUTCOME_SYSTEM = "https://caretrust.example.org/fhir/CodeSystem/care-act-specified-outcome"


def _text(link_id: str, text: str, value: str) -> dict | None:
    return {"linkId": link_id, "text": text, "answer": [{"valueString": value}]} if value else None


def _bool(link_id: str, text: str, value: bool | None) -> dict | None:
    return (
        {"linkId": link_id, "text": text, "answer": [{"valueBoolean": value}]}
        if value is not None
        else None
    )


def _items(*items: dict | None) -> list[dict]:
    return [item for item in items if item]


def export_prefetch() -> tuple:
    """What `to_fhir` reads, for a batch of assessments (ADR 117)."""
    from django.db.models import Prefetch

    from caretrust.assessments.models import Contribution

    return (
        "findings",
        Prefetch(
            "contributions",
            queryset=Contribution.objects.select_related("author", "author__organisation"),
        ),
    )


def to_fhir(assessment: Assessment) -> QuestionnaireResponse:
    findings = {f.outcome: f for f in assessment.findings.all()}
    outcome_items = []
    for code, text in OUTCOMES.items():
        finding = findings.get(code)
        if finding is None:
            continue
        answer = {
            "valueCoding": {
                "system": DIFFICULTY_SYSTEM,
                "code": finding.difficulty,
                "display": DIFFICULTIES[finding.difficulty],
            }
        }
        item = {"linkId": f"outcome.{code}", "text": text, "answer": [answer]}
        outcome_items.append(item)
    if "contributions" in getattr(assessment, "_prefetched_objects_cache", {}):
        contributions = assessment.contributions.all()  # a Bulk Data export's batch
    else:
        contributions = assessment.contributions.select_related("author")
    contributors = {c.author for c in contributions}
    items = _items(
        _text("what-matters", "What matters to the person", assessment.what_matters),
        _text("health-needs", "Health needs", assessment.health_needs),
        {
            "linkId": "care-act",
            "text": "Care Act eligibility (Care and Support (Eligibility Criteria) Regulations 2015)",
            "item": _items(
                _bool(
                    "care-act.impairment",
                    "Needs arise from a physical or mental impairment or illness",
                    assessment.impairment,
                ),
                _text(
                    "care-act.impairment-details",
                    "Impairment or illness",
                    assessment.impairment_details,
                ),
                {"linkId": "care-act.outcomes", "text": "Specified outcomes", "item": outcome_items}
                if outcome_items
                else None,
                _bool(
                    "care-act.wellbeing",
                    "Significant impact on wellbeing",
                    assessment.significant_impact,
                ),
                _text(
                    "care-act.wellbeing-details",
                    "Impact on wellbeing",
                    assessment.wellbeing_details,
                ),
            ),
        },
        {
            "linkId": "carer",
            "text": "Carer",
            "item": _items(
                _bool("carer.has-carer", "Has an unpaid carer", assessment.has_carer),
                _text("carer.name", "Carer's name", assessment.carer_name),
                _text("carer.needs", "Carer's needs", assessment.carer_needs),
                _bool(
                    "carer.willing-able",
                    "Carer willing and able to continue",
                    assessment.carer_willing_and_able,
                ),
            ),
        }
        if assessment.has_carer is not None
        else None,
        {
            "linkId": "decision",
            "text": "Eligibility decision",
            "item": _items(
                _bool("decision.eligible", "Eligible needs", assessment.eligible),
                _text("decision.reasons", "Reasons", assessment.decision_reasons),
                _text("decision.notes", "Notes", assessment.decision_notes),
            ),
        }
        if assessment.eligible is not None
        else None,
    )
    for item in items:  # FHIR: a group needs at least one item
        if "item" in item and not item["item"]:
            items.remove(item)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(assessment.uuid),
        "meta": {
            "versionId": str(assessment.version),
            "lastUpdated": assessment.updated_at.isoformat(),
        },
        "questionnaire": QUESTIONNAIRE,
        # FHIR QuestionnaireResponse.status: an assessment ended without a decision is "stopped".
        "status": {
            Assessment.Status.COMPLETED: "completed",
            Assessment.Status.CANCELLED: "stopped",
        }.get(assessment.status, "in-progress"),
        "subject": {
            "reference": f"Patient/{assessment.person.ref}",
            "display": assessment.person.display_name,
        },
        "authored": (assessment.decided_at or assessment.updated_at).isoformat(),
        "author": practitioner_reference(assessment.started_by),
        "item": items,
    }
    if assessment.referral_id:
        resource["basedOn"] = [{"reference": f"ServiceRequest/{assessment.referral.uuid}"}]
    if len(contributors) > 1:
        resource["extension"] = [
            {
                "url": "https://caretrust.example.org/fhir/StructureDefinition/contributor",
                "valueReference": {"display": f"{u.get_full_name()} ({u.organisation})"},
            }
            for u in sorted(contributors, key=lambda u: u.pk)
        ]
    return QuestionnaireResponse.model_validate(resource)
