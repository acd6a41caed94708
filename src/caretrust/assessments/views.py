"""Joint assessment pages."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.assessments import eligibility, fhir, forms, selectors, services
from caretrust.assessments.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.assessments.models import Assessment
from caretrust.referrals.models import Referral


@require_POST
def start(request: HttpRequest, reference: str) -> HttpResponse:
    referral = get_object_or_404(Referral, reference=reference)
    policy.require(request.user, "referrals.view", referral)
    if referral.person_id is None:
        messages.warning(request, "The co-ordinator must confirm who this referral is about first.")
        return redirect("referrals:detail", reference)
    assessment = services.start_assessment(
        actor=request.user, person=referral.person, referral=referral
    )
    return redirect("assessments:detail", assessment.uuid)


def start_for_person(request: HttpRequest, ref) -> HttpResponse:
    """Start an assessment with no referral (s9: on the appearance of need; e.g. a review found
    new needs, or the person or their carer asked). GET asks why; POST starts it."""
    # Both forms show the person (also when the POST comes back asking why): the read is
    # recorded by the selector (ADR 107).
    person = selectors.person_to_assess(request.user, ref)
    if request.method != "POST":
        return render(
            request,
            "assessments/start.jinja",
            {"page_title": f"Start an assessment: {person.display_name}", "person": person},
        )
    because = request.POST.get("because", "").strip()
    if not because:
        return render(
            request,
            "assessments/start.jinja",
            {
                "page_title": f"Error: Start an assessment: {person.display_name}",
                "person": person,
                "error": "Say why the assessment is starting",
            },
        )
    try:
        assessment = services.start_assessment(
            actor=request.user, person=person, started_because=because
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return redirect("record:person", ref)
    return redirect("assessments:detail", assessment.uuid)


def _initial(assessment: Assessment) -> dict:
    initial = dict(services.finding_values(assessment))
    initial["version"] = assessment.version
    return initial


def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    assessment = selectors.assessment_for(request.user, uuid, purpose="assessments.detail")
    return _render(request, assessment)


def _render(
    request,
    assessment,
    findings_form=None,
    contribution_form=None,
    decision_form=None,
    conflict=False,
    conflicts=None,
):
    editable = assessment.status == Assessment.Status.IN_PROGRESS and bool(
        policy.decide(request.user, "assessments.contribute", assessment)
    )
    outcome_rows = _outcome_rows(assessment)
    can_decide = editable and bool(policy.decide(request.user, "assessments.decide", assessment))
    return render(
        request,
        "assessments/detail.jinja",
        {
            "page_title": f"Joint assessment: {assessment.person.display_name}",
            "assessment": assessment,
            "editable": editable,
            "can_decide": can_decide,
            "still_to_record": _still_to_record(assessment) if editable else [],
            "outcome_rows": outcome_rows,
            "contributions": assessment.contributions.select_related("author", "organisation"),
            "findings_form": findings_form or forms.FindingsForm(initial=_initial(assessment)),
            "contribution_form": contribution_form or forms.ContributionForm(),
            "decision_form": decision_form
            or forms.DecisionForm(initial={"version": assessment.version}),
            "conflict": conflict,
            "conflicts": conflicts or [],
            "base_json": json.dumps(services.finding_values(assessment)),
            "reasons": assessment.decision_reasons.splitlines(),
        },
    )


def _outcome_rows(assessment: Assessment) -> list[dict]:
    findings = {f.outcome: f for f in assessment.findings.select_related("recorded_by")}
    return [
        {
            "text": text,
            "difficulty": DIFFICULTIES[findings[code].difficulty]
            if code in findings
            else "Not assessed",
            "notes": findings[code].notes if code in findings else "",
            "by": findings[code].recorded_by.get_full_name() if code in findings else "",
        }
        for code, text in OUTCOMES.items()
    ]


def _still_to_record(assessment: Assessment) -> list[str]:
    """What must be recorded before eligibility can be decided (empty when ready)."""
    result = eligibility.decide(
        impairment=assessment.impairment,
        outcomes=assessment.outcome_map(),
        significant_impact=assessment.significant_impact,
        needs_fluctuate=assessment.needs_fluctuate,
        fluctuation_period=assessment.fluctuation_period,
    )
    return list(result.reasons) if result.eligible is None else []


def written_record(request: HttpRequest, uuid: str) -> HttpResponse:
    """The written record of the assessment given to the person (s12(3)): a printable page."""
    assessment = selectors.assessment_for(
        request.user, uuid, purpose="assessments.written_record", details={"as": "written record"}
    )
    return render(
        request,
        "assessments/record.jinja",
        {
            "page_title": f"Your assessment: {assessment.person.display_name}",
            "assessment": assessment,
            "outcome_rows": _outcome_rows(assessment),
            "reasons": assessment.decision_reasons.splitlines(),
        },
    )


@require_POST
def end(request: HttpRequest, uuid: str) -> HttpResponse:
    assessment = _get(request, uuid)
    try:
        services.end_assessment(
            actor=request.user, assessment=assessment, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, "The assessment has ended without a decision.")
    return redirect("assessments:detail", assessment.uuid)


def _get(request, uuid) -> Assessment:
    assessment = get_object_or_404(Assessment.objects.select_related("person"), uuid=uuid)
    policy.require(request.user, "assessments.view", assessment)
    return assessment


def _base(request) -> dict | None:
    try:
        base = json.loads(request.POST.get("base", ""))
    except ValueError:
        return None
    return base if isinstance(base, dict) else None


@require_POST
def save_findings(request: HttpRequest, uuid: str) -> HttpResponse:
    assessment = _get(request, uuid)
    form = forms.FindingsForm(request.POST)
    base = _base(request)
    if base is not None and form.is_valid():
        # Each part saved on its own (issue #15): only same-part edits can conflict.
        mine = form.typed_values()
        try:
            saved, conflicts = services.merge_findings(
                actor=request.user, assessment=assessment, base=base, mine=mine
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            return _render(request, assessment, findings_form=form)
        if not conflicts:
            messages.success(request, "Assessment saved.")
            return redirect("assessments:detail", assessment.uuid)
        # Keep what this person typed in the form; the base is now what is saved, so saving
        # again replaces the other person's value deliberately.
        initial = {**_initial(saved), **mine}
        return _render(
            request,
            saved,
            findings_form=forms.FindingsForm(initial=initial),
            conflicts=[
                {
                    "label": form.fields[c.name].label,
                    "theirs": form.display(c.name, c.theirs),
                    "mine": form.display(c.name, c.mine),
                }
                for c in conflicts
            ],
        )
    if form.is_valid():
        fields, outcomes = form.changes()
        try:
            services.record_findings(
                actor=request.user,
                assessment=assessment,
                expected_version=form.cleaned_data["version"],
                outcomes=outcomes,
                **fields,
            )
        except services.AssessmentChanged as changed:
            messages.warning(request, changed.messages[0])
            # Show the latest saved values with the conflict explained; the user re-applies theirs.
            return _render(request, changed.assessment, conflict=True)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Assessment saved.")
            return redirect("assessments:detail", assessment.uuid)
    return _render(request, assessment, findings_form=form)


@require_POST
def add_contribution(request: HttpRequest, uuid: str) -> HttpResponse:
    assessment = _get(request, uuid)
    form = forms.ContributionForm(request.POST)
    if form.is_valid():
        try:
            services.contribute(actor=request.user, assessment=assessment, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Contribution added.")
            return redirect("assessments:detail", assessment.uuid)
    return _render(request, assessment, contribution_form=form)


@require_POST
def decide(request: HttpRequest, uuid: str) -> HttpResponse:
    assessment = _get(request, uuid)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_eligibility(
                actor=request.user,
                assessment=assessment,
                expected_version=form.cleaned_data["version"],
                notes=form.cleaned_data["notes"],
            )
        except services.AssessmentChanged as changed:
            messages.warning(request, changed.messages[0])
            return _render(request, changed.assessment, conflict=True)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Eligibility decision recorded.")
            return redirect("assessments:detail", assessment.uuid)
    return _render(request, assessment, decision_form=form)


def as_fhir(request: HttpRequest, uuid: str) -> JsonResponse:
    assessment = selectors.assessment_for(
        request.user, uuid, purpose="assessments.fhir", details={"as": "fhir"}
    )
    return JsonResponse(
        fhir.to_fhir(assessment).model_dump(mode="json", exclude_none=True),
        content_type="application/fhir+json",
    )


def deciders(request: HttpRequest) -> HttpResponse:
    """Council policy on who may decide eligibility: list, add, remove (administrators)."""
    from caretrust.assessments.models import EligibilityDecider
    from caretrust.ui.forms import add_form_errors

    policy.require(request.user, "assessments.manage_deciders")
    form = forms.DeciderForm()
    if request.method == "POST":
        if "remove" in request.POST:
            rule = get_object_or_404(EligibilityDecider, pk=request.POST.get("remove"))
            services.remove_decider_rule(actor=request.user, rule=rule)
            messages.success(request, f"Removed: {rule}.")
            return redirect("assessments:deciders")
        form = forms.DeciderForm(request.POST)
        if form.is_valid():
            try:
                services.add_decider_rule(
                    actor=request.user,
                    profession=form.cleaned_data["profession"],
                    user=form.cleaned_data["user"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "Rule added.")
                return redirect("assessments:deciders")
    return render(
        request,
        "assessments/deciders.jinja",
        {
            "page_title": "Who may decide Care Act eligibility",
            "rules": EligibilityDecider.objects.select_related("user").order_by("profession"),
            "form": form,
        },
    )
