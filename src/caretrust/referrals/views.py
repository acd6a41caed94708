"""Referral pages. Thin: forms validate, services write, presenters shape, policy decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.people.intake import PersonDetails, PossibleDuplicates, possible_matches
from caretrust.people.models import Person
from caretrust.referrals import forms, hooks, presenters, selectors, services
from caretrust.referrals.models import Referral
from caretrust.ui.forms import add_form_errors
from caretrust.ui.navigation import count_for


def _candidates_view(candidates: list[Person]) -> list[dict]:
    return [
        {
            "ref": str(p.ref),
            "text": f"{p.display_name}, born {p.birth_date:%d %B %Y}",
            "hint": ", ".join(
                x for x in [p.postcode, p.gp_practice.name if p.gp_practice_id else ""] if x
            ),
        }
        for p in candidates
    ]


def _chosen_person(choice: str, details: PersonDetails) -> tuple[Person | None, bool]:
    """Only a person from this search may be chosen (a posted ref cannot reach anyone else)."""
    if choice == "new":
        return None, True
    if choice:
        for person in possible_matches(details):
            if str(person.ref) == choice:
                return person, False
    return None, False


def index(request: HttpRequest) -> HttpResponse:
    """Referrals I made (and, for practitioners, those routed to my teams)."""
    policy.require(request.user, "referrals.submit")
    now = timezone.now()
    referrals = list(selectors.referrals_made_by(request.user)[:50])
    made = [presenters.worklist_row(r, now) for r in referrals]
    return render(
        request,
        "referrals/index.jinja",
        {"page_title": "Your referrals", "rows": made},
    )


def new_referral(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "referrals.submit")
    candidates: list[dict] = []
    form = forms.ProfessionalReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = form.person_details()
        chosen, confirm_new = _chosen_person(data["person_choice"], details)
        try:
            referral = services.refer(
                actor=request.user,
                details=details,
                chosen=chosen,
                confirm_new=confirm_new,
                locality=data["locality"],
                source=data["source"],
                reason=data["reason"],
                requested_urgency=data["requested_urgency"],
                what_matters=data["what_matters"],
                lives_alone=forms.lives_alone_value(data["lives_alone"]),
                risks=data["risks"],
                consent=data["consent"],
                best_interests=data["best_interests"],
                referrer_contact=data["referrer_contact"],
                extra=form.discharge_details(),
            )
        except PossibleDuplicates as found:
            candidates = _candidates_view(found.candidates)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            return redirect("referrals:sent", referral.reference)
    return render(
        request,
        "referrals/new.jinja",
        {"page_title": "Refer a person", "form": form, "candidates": candidates},
    )


def sent(request: HttpRequest, reference: str) -> HttpResponse:
    referral = get_object_or_404(Referral, reference=reference)
    policy.require(request.user, "referrals.view", referral)
    return render(
        request, "referrals/sent.jinja", {"page_title": "Referral sent", "referral": referral}
    )


@login_not_required
def self_referral(request: HttpRequest) -> HttpResponse:
    """Public: a person or their family asks for help. Writes only a referral, never the index."""
    form = forms.SelfReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.submit_self_referral(
                actor=request.user if request.user.is_authenticated else None,
                source=data["source"],
                subject=form.person_details(),
                referrer_name=data["referrer_name"],
                referrer_contact=data["referrer_contact"],
                referrer_relationship=data["referrer_relationship"],
                reason=data["reason"],
                what_matters=data["what_matters"],
                lives_alone=forms.lives_alone_value(data["lives_alone"]),
                consent=data["consent"],
                locality=data["locality"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            return redirect("referrals:public_status", referral.reference, referral.status_token)
    return render(
        request, "referrals/self.jinja", {"page_title": "Ask for care and support", "form": form}
    )


@login_not_required
def public_status(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    referral = Referral.objects.filter(reference=reference).first()
    if referral is None or not referral.status_token or referral.status_token != token:
        raise Http404("No referral with that reference.")
    return render(
        request,
        "referrals/public_status.jinja",
        {
            "page_title": f"Your request {referral.reference}",
            "referral": referral,
            "status_plain": presenters.status_plain(referral),
            "events": presenters.public_timeline(referral),
        },
    )


def worklist(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "referrals.worklist")
    query = selectors.WorklistQuery(
        view=request.GET.get("view", "new"),
        sort=request.GET.get("sort", "urgency"),
        urgency=request.GET.get("urgency", ""),
        source=request.GET.get("source", ""),
    )
    page = Paginator(selectors.worklist(request.user, query), 50).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "referrals/worklist.jinja",
        {
            "page_title": "Referrals worklist",
            "query": query,
            "page": page,
            "rows": [presenters.worklist_row(r, now) for r in page.object_list],
            "notes": hooks.worklist_notes(page.object_list),
            "views": selectors.VIEWS,
            "sorts": {"urgency": "Most urgent", "waiting": "Waiting longest", "due": "Due soonest"},
            "urgencies": Referral.Urgency.choices,
            "sources": Referral.Source.choices,
        },
    )


@require_POST
def claim(request: HttpRequest, reference: str) -> HttpResponse:
    referral = get_object_or_404(Referral, reference=reference)
    try:
        services.claim(actor=request.user, referral=referral)
    except services.AlreadyClaimed as lost:
        messages.warning(request, f"{referral.reference}: {lost.messages[0]}")
        return redirect("referrals:worklist")
    except services.ReferralChanged as changed:
        messages.warning(request, changed.messages[0])
        return redirect("referrals:worklist")
    messages.success(request, f"You have claimed {referral.reference}.")
    return redirect("referrals:detail", referral.reference)


def detail(request: HttpRequest, reference: str) -> HttpResponse:
    # 404, 403 or the referral with its read recorded (ADR 107).
    referral = selectors.referral_for(request.user, reference)
    return _render_detail(request, referral)


def _render_detail(request, referral: Referral, **forms_override) -> HttpResponse:
    user = request.user
    owner = referral.claimed_by_id == user.id
    coordinating = bool(policy.decide(user, "referrals.coordinate", referral))
    can_triage = coordinating and owner and referral.status in ("received", "on-hold")
    can_progress = referral.status in ("accepted", "in-progress", "on-hold") and bool(
        policy.decide(user, "referrals.progress", referral)
    )
    can_accept = bool(policy.decide(user, "referrals.accept", referral))
    can_answer_signpost = bool(policy.decide(user, "referrals.answer_signpost", referral))
    can_allocate = bool(policy.decide(user, "referrals.allocate", referral))
    workers = services.allocatable(referral) if (can_accept or can_allocate) else []
    candidates = []
    if can_triage and referral.person_id is None and referral.subject_details:
        details = PersonDetails.from_dict(referral.subject_details)
        candidates = _candidates_view(possible_matches(details))
    context = {
        "page_title": f"Referral {referral.reference}",
        "referral": referral,
        "clock": presenters.clock(referral),
        "about_the_person": presenters.about_the_person(referral),
        "events": presenters.timeline(referral),
        "status_plain": presenters.status_plain(referral),
        "status_colour": presenters.STATUS_COLOURS[referral.status],
        "urgency_colour": presenters.URGENCY_COLOURS[referral.urgency],
        "can_claim": coordinating and referral.status == "requested" and not referral.claimed_by_id,
        "can_triage": can_triage,
        "can_progress": can_progress,
        "needs_person": referral.person_id is None,
        "assessment": referral.assessments.first(),
        "care_plan": referral.care_plans.first(),
        "can_plan": referral.person_id is not None
        and referral.status in ("accepted", "in-progress")
        and bool(policy.decide(user, "careplans.edit", referral.person)),
        "can_assess": referral.person_id is not None
        and referral.status in ("accepted", "in-progress")
        and bool(policy.decide(user, "assessments.contribute", referral.person)),
        "candidates": candidates,
        "can_accept": can_accept,
        "can_answer_signpost": can_answer_signpost,
        "decline_signpost_form": forms_override.get("decline_signpost_form")
        or forms.DeclineSignpostForm(),
        "signpost_service_form": forms_override.get("signpost_service_form"),
        "can_allocate": can_allocate,
        "accept_form": forms_override.get("accept_form")
        or forms.AcceptForm(workers=workers, me=user),
        "return_form": forms_override.get("return_form") or forms.ReturnForm(),
        "allocate_form": forms_override.get("allocate_form")
        or forms.AllocateForm(workers=[w for w in workers if w.pk != referral.allocated_to_id]),
        "triage_form": forms_override.get("triage_form")
        or forms.TriageForm(initial={"urgency": referral.urgency}),
        "route_form": forms_override.get("route_form")
        or forms.RouteForm(locality=referral.locality),
        "signpost_form": forms_override.get("signpost_form") or forms.SignpostForm(),
        "close_form": forms_override.get("close_form") or forms.CloseForm(),
        "progress_form": forms_override.get("progress_form") or forms.ProgressForm(),
    }
    return render(request, "referrals/detail.jinja", context)


def find_service(request: HttpRequest, reference: str) -> HttpResponse:
    """The co-ordinator searches the local services directory to signpost a referral (ADR 110)."""
    from caretrust.directory import selectors as directory

    referral = selectors.referral_for(
        request.user, reference, action="referrals.coordinate", purpose="referrals.find_service"
    )
    form = forms.DirectorySearchForm(request.GET or None, categories=directory.categories())
    found = []
    if form.is_bound and form.is_valid():
        found = list(
            directory.with_details(
                directory.services(
                    text=form.cleaned_data["text"],
                    category=form.cleaned_data["category"],
                    active_only=True,
                )
            )[:25]
        )
    return render(
        request,
        "referrals/find_service.jinja",
        {
            "page_title": f"Find a local service for {referral.reference}",
            "referral": referral,
            "form": form,
            "searched": form.is_bound,
            "services": presenters.directory_results(found),
            "can_signpost": referral.claimed_by_id == request.user.id
            and referral.status in ("received", "on-hold"),
        },
    )


def _referral_for_action(request, reference: str) -> Referral:
    referral = get_object_or_404(Referral, reference=reference)
    policy.require(request.user, "referrals.view", referral)
    return referral


@require_POST
def act(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One POST endpoint per triage action; errors come back on the referral page."""
    referral = _referral_for_action(request, reference)
    form_classes = {
        "triage": ("triage_form", forms.TriageForm),
        "route": ("route_form", forms.RouteForm),
        "signpost": ("signpost_form", forms.SignpostForm),
        "close": ("close_form", forms.CloseForm),
        "progress": ("progress_form", forms.ProgressForm),
        "accept": ("accept_form", forms.AcceptForm),
        "return": ("return_form", forms.ReturnForm),
        "allocate": ("allocate_form", forms.AllocateForm),
        "signpost-service": ("signpost_service_form", forms.SignpostServiceForm),
        "accept-signpost": ("accept_signpost_form", forms.AcceptSignpostForm),
        "decline-signpost": ("decline_signpost_form", forms.DeclineSignpostForm),
    }
    if action == "confirm-person":
        return _confirm_person(request, referral)
    if action not in form_classes:
        raise Http404("Unknown action.")
    key, form_class = form_classes[action]
    kwargs = {"locality": referral.locality} if action == "route" else {}
    if action in ("accept", "allocate"):
        kwargs = {"workers": services.allocatable(referral)}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "triage":
                services.triage(actor=request.user, referral=referral, urgency=data["urgency"])
            elif action == "route":
                services.route(actor=request.user, referral=referral, **form.target())
            elif action == "signpost":
                services.signpost(
                    actor=request.user,
                    referral=referral,
                    organisation=data["organisation"],
                    information=data["information"],
                )
            elif action == "signpost-service":
                services.signpost_to_service(
                    actor=request.user, referral=referral, service=data["service"]
                )
            elif action in ("accept-signpost", "decline-signpost"):
                services.answer_signpost(
                    actor=request.user,
                    referral=referral,
                    accept=action == "accept-signpost",
                    reason=data.get("reason", ""),
                )
            elif action == "accept":
                services.accept(actor=request.user, referral=referral, allocate_to=form.worker())
            elif action == "return":
                services.return_to_coordinators(
                    actor=request.user, referral=referral, reason=data["reason"]
                )
            elif action == "allocate":
                services.allocate(actor=request.user, referral=referral, worker=form.worker())
            elif action == "close":
                services.close(
                    actor=request.user,
                    referral=referral,
                    reason=data["reason"],
                    status=data["status"],
                )
            else:
                services.record_progress(
                    actor=request.user,
                    referral=referral,
                    to_status=data["to_status"],
                    reason=data["reason"] if data["to_status"] in ("on-hold", "failed") else "",
                )
        except PermissionDenied:
            raise
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, f"{referral.reference}: {referral.business_status}.")
            return redirect("referrals:detail", referral.reference)
    referral.refresh_from_db()
    return _render_detail(request, referral, **{key: form})


def _confirm_person(request: HttpRequest, referral: Referral) -> HttpResponse:
    choice = request.POST.get("person_choice", "")
    details = PersonDetails.from_dict(referral.subject_details)
    chosen, confirm_new = _chosen_person(choice, details)
    if chosen is None and not confirm_new:
        messages.warning(request, "Choose the person this referral is about, or add them as new.")
        return redirect("referrals:detail", referral.reference)
    try:
        services.confirm_person_from_details(
            actor=request.user, referral=referral, chosen=chosen, confirm_new=confirm_new
        )
    except PossibleDuplicates:
        messages.warning(
            request, "Someone similar is already in the index: choose them or add new."
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    return redirect("referrals:detail", referral.reference)


IN_TRAY_PAGE_SIZE = 50


def in_tray(request: HttpRequest) -> HttpResponse:
    """The team in-tray: referrals routed to my teams (or to me) waiting to be accepted."""
    policy.require(request.user, "referrals.in_tray")
    # A busy team's in-tray holds hundreds: a page at a time, most urgent first, with the total.
    paginator = Paginator(selectors.in_tray(request.user), IN_TRAY_PAGE_SIZE)
    # The header counts the same rows (in the one statement of its counts): the paginator takes
    # that number rather than counting again (ADR 128).
    total = count_for(request.user, "referrals:in_tray")
    if total is not None:
        paginator.count = total
    page = paginator.get_page(request.GET.get("page"))
    referrals = list(page.object_list)  # the selector audits the page it fetches (ADR 89)
    now = timezone.now()
    return render(
        request,
        "referrals/in_tray.jinja",
        {
            "page_title": "Team in-tray",
            "page": page,
            "rows": [presenters.in_tray_row(r, now) for r in referrals],
        },
    )


def caseload(request: HttpRequest) -> HttpResponse:
    """My caseload, my teams' caseloads, and moving one worker's caseload to another."""
    from caretrust.organisations.models import Team, User

    policy.require(request.user, "referrals.in_tray")
    mine = list(selectors.caseload(request.user))
    teams = list(Team.objects.filter(memberships__user=request.user).order_by("name"))
    team_rows = []
    for team in teams:
        referrals = list(selectors.team_caseload(team, viewer=request.user)[:200])
        members = list(
            User.objects.filter(team_memberships__team=team).order_by("first_name", "last_name")
        )
        practitioners = [m for m in members if m.role == User.Role.PRACTITIONER and m.is_active]
        form = forms.TransferCaseloadForm(
            request.POST if request.POST.get("team") == str(team.pk) else None,
            members=members,
            practitioners=practitioners,
        )
        if form.is_bound and form.is_valid():
            from_worker, to_worker = form.workers()
            try:
                moved = services.transfer_caseload(
                    actor=request.user, team=team, from_worker=from_worker, to_worker=to_worker
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Moved {moved} referral{'' if moved == 1 else 's'} from "
                    f"{from_worker.get_full_name()} to {to_worker.get_full_name()}.",
                )
                return redirect("referrals:caseload")
        # Work of closed accounts (issue #15, ADR 72): flagged until someone moves it.
        closed: dict[int, dict] = {}
        for referral in referrals:
            worker = referral.allocated_to
            if worker is not None and not worker.is_active:
                entry = closed.setdefault(worker.pk, {"worker": worker, "count": 0})
                entry["count"] += 1
        team_rows.append(
            {
                "team": team,
                "needs_reassigning": list(closed.values()),
                "practitioners": practitioners,
                "rows": presenters.caseload_rows(referrals),
                "form": form,
                "can_transfer": bool(
                    policy.decide(request.user, "referrals.transfer_caseload", team)
                ),
            }
        )
    return render(
        request,
        "referrals/caseload.jinja",
        {
            "page_title": "Caseload",
            "mine": presenters.caseload_rows(mine),
            "teams": team_rows,
        },
    )
