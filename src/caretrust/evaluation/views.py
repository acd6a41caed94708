from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.evaluation.models import Evaluation
from caretrust.evaluation.presenters import evaluation_view, summary_view
from caretrust.evaluation.running import data_dir, read_place, spec_from_parameters
from caretrust.evaluation.services import start_evaluation

DEFAULT_START = "2019-04-01"  # the demo place's go-live date; any date can be entered


def index(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "evaluation.run")
    place = read_place()
    evaluations = Evaluation.objects.select_related("job", "created_by")[:50]
    context = {
        "page_title": "Evaluation",
        "place": place,
        "data_dir": data_dir(),
        "evaluations": [summary_view(e) for e in evaluations],
    }
    return render(request, "evaluation/index.jinja", context)


def new(request: HttpRequest) -> HttpResponse:
    import datetime as dt

    from caretrust.evaluation.forms import EvaluationForm
    from caretrust.population.evaluation import EvaluationSpec

    policy.require(request.user, "evaluation.run")
    place = read_place()
    if place is None:
        messages.error(request, "There is no data to evaluate yet.")
        return redirect("evaluation:index")
    if request.method == "POST":
        form = EvaluationForm(request.POST, place=place)
        if form.is_valid():
            data = form.cleaned_data
            spec = EvaluationSpec(
                design=data["design"],
                start=data["start"],
                outcome=data["outcome"],
                treated_area=data["treated_area"],
                treated_localities=data["treated_localities"],
                locality_starts=data["staggered"],
                comparison_areas=tuple(data["comparison_areas"]),
                pre_years=data["pre_years"],
                seed=data["seed"],
            )
            evaluation = start_evaluation(actor=request.user, spec=spec)
            return redirect("evaluation:detail", pk=evaluation.pk)
    else:
        form = EvaluationForm(
            initial=EvaluationForm.initial_for(place, dt.date.fromisoformat(DEFAULT_START)),
            place=place,
        )
    return render(
        request, "evaluation/new.jinja", {"page_title": "Run an evaluation", "form": form}
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "evaluation.run")
    evaluation = get_object_or_404(Evaluation.objects.select_related("job", "created_by"), pk=pk)
    view = evaluation_view(evaluation)
    return render(
        request, "evaluation/detail.jinja", {"page_title": view["title"], "evaluation": view}
    )


@require_POST
def again(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a saved evaluation again with the same parameters (to reproduce a published result):
    on the same data snapshot and code it gives the same numbers."""
    policy.require(request.user, "evaluation.run")
    original = get_object_or_404(Evaluation, pk=pk)
    evaluation = start_evaluation(
        actor=request.user,
        spec=spec_from_parameters(original.parameters),
        title=f"{original.title} (run again)",
    )
    return redirect("evaluation:detail", pk=evaluation.pk)
