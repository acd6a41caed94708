"""MDT meeting pages. Thin: forms validate, services write and audit, policy decides, presenters
decide what each member sees on an agenda."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.meetings import forms, presenters, selectors, services
from caretrust.meetings.models import AgendaItem, Meeting
from caretrust.ui.forms import add_form_errors


def meeting_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "meetings.list")
    meetings = list(selectors.meetings_for(request.user)[:50])
    return render(
        request,
        "meetings/list.jinja",
        {
            "page_title": "MDT meetings",
            "meetings": [(m, presenters.when(m)) for m in meetings],
            "teams": list(selectors.locality_teams_of(request.user)),
        },
    )


def schedule(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "meetings.list")
    teams = list(selectors.locality_teams_of(request.user))
    form = forms.ScheduleForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.schedule_meeting(
                actor=request.user,
                team=form.chosen_team(),
                starts_at=form.starts_at(),
                place=form.cleaned_data["place"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                f"Meeting scheduled: {len(selectors.agenda(meeting))} people on the agenda.",
            )
            return redirect("meetings:meeting", meeting.uuid)
    return render(
        request,
        "meetings/schedule.jinja",
        {"page_title": "Schedule an MDT meeting", "form": form, "teams": teams},
    )


def _meeting(request: HttpRequest, uuid) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("team"), uuid=uuid)
    policy.require(request.user, "meetings.view", meeting)
    return meeting


def meeting(request: HttpRequest, uuid) -> HttpResponse:
    meeting = _meeting(request, uuid)
    # The agenda names people: the selector shows only those this member may see, and records it
    view = presenters.agenda_for(*selectors.agenda_shown(request.user, meeting))
    return render(
        request,
        "meetings/meeting.jinja",
        {
            "page_title": f"{meeting.team.name} MDT meeting",
            "meeting": meeting,
            "when": presenters.when(meeting),
            "agenda": view,
        },
    )


def _item(request: HttpRequest, uuid, pk: int) -> AgendaItem:
    meeting = _meeting(request, uuid)
    item = get_object_or_404(
        AgendaItem.objects.select_related("person", "meeting__team"), meeting=meeting, pk=pk
    )
    policy.require(request.user, "meetings.discuss", item)
    return item


def item(request: HttpRequest, uuid, pk: int, **overrides) -> HttpResponse:
    # The page shows the item's person (also when a POST's form comes back with errors): the
    # selector records the read (ADR 107).
    item = selectors.agenda_item_for(request.user, uuid, pk)
    team = item.meeting.team
    discussion = getattr(item, "discussion", None)
    if request.method == "POST" and discussion is None:
        form = forms.DiscussionForm(request.POST, team=team)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_discussion(
                    actor=request.user,
                    item=item,
                    attendees=form.chosen_attendees(),
                    note=data["note"],
                    decision=data["decision"],
                    consent_basis=data["consent_basis"],
                    action_title=data["action_title"],
                    action_owner=form.owner(),
                    action_due=data["action_due"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "Discussion recorded.")
                return redirect("meetings:item", item.meeting.uuid, item.pk)
        overrides["discussion_form"] = form
    actions = list(discussion.actions.select_related("assigned_user")) if discussion else []
    return render(
        request,
        "meetings/item.jinja",
        {
            "page_title": f"{item.person.display_name} at the MDT meeting",
            "item": item,
            "meeting": item.meeting,
            "when": presenters.when(item.meeting),
            "discussion": discussion,
            "attendees": list(discussion.attendees.all()) if discussion else [],
            "actions": actions,
            "discussion_form": overrides.get("discussion_form") or forms.DiscussionForm(team=team),
            "action_form": overrides.get("action_form") or forms.ActionForm(team=team),
        },
    )


@require_POST
def add_action(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    item_ = _item(request, uuid, pk)
    discussion = getattr(item_, "discussion", None)
    if discussion is None:
        raise Http404("Record the discussion first.")
    form = forms.ActionForm(request.POST, team=item_.meeting.team)
    if form.is_valid():
        try:
            services.add_action(
                actor=request.user,
                discussion=discussion,
                title=form.cleaned_data["action_title"],
                owner=form.owner(),
                due=form.cleaned_data["action_due"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, "Action added: a task is set.")
            return redirect("meetings:item", uuid, pk)
    request.method = "GET"  # show the page with the form's errors, not a second discussion
    return item(request, uuid, pk, action_form=form)


def add_person(request: HttpRequest, ref) -> HttpResponse:
    person = selectors.person_to_add(request.user, ref)
    meetings = list(selectors.upcoming_meetings_for(request.user)[:20])
    form = forms.AddPersonForm(request.POST or None, meetings=meetings)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.add_to_agenda(
                actor=request.user,
                meeting=form.chosen_meeting(),
                person=person,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, f"{person.display_name} is on the agenda.")
            return redirect("meetings:meeting", added.meeting.uuid)
    return render(
        request,
        "meetings/add_person.jinja",
        {
            "page_title": "Add to an MDT meeting",
            "form": form,
            "person": person,
            "can_schedule": selectors.locality_teams_of(request.user).exists(),
        },
    )
