"""Administration pages (not Django admin): staff accounts, teams and team membership, so an
administrator adds a new OT to a team by clicking from their home page. Every write is a service
that checks `organisations.manage` and audits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caretrust.access import policy
from caretrust.organisations import services as directory
from caretrust.organisations.models import Team, User
from caretrust.ui.forms import add_form_errors
from caretrust.workspace import forms, services


def staff_and_teams(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "organisations.manage")
    staff = (
        User.objects.exclude(role__in=[User.Role.PERSON, User.Role.CARER])
        .select_related("organisation")
        .prefetch_related("teams")
        .order_by("-is_active", "last_name", "first_name")
    )
    teams = Team.objects.select_related("locality").prefetch_related("members").order_by("name")
    return render(
        request,
        "workspace/admin/index.jinja",
        {"page_title": "Staff and teams", "staff": staff, "teams": teams},
    )


def new_staff(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "organisations.manage")
    form = forms.StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = directory.create_staff_account(
                    actor=request.user,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    role=data["role"],
                    profession=data["profession"],
                    organisation=data["organisation"],
                    password=data["password"],
                )
                if data["team"] is not None:
                    directory.add_team_member(actor=request.user, team=data["team"], user=user)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            team = f" and added to {data['team'].name}" if data["team"] else ""
            messages.success(request, f"Account created for {user.get_full_name()}{team}.")
            return redirect("workspace:admin_staff", user.pk)
    return render(
        request,
        "workspace/admin/new_staff.jinja",
        {"page_title": "Add a staff account", "form": form},
    )


def staff(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "organisations.manage")
    member = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    add_form = forms.AddToTeamForm(request.POST or None)
    if request.method == "POST" and add_form.is_valid():
        try:
            with transaction.atomic():
                directory.add_team_member(
                    actor=request.user, team=add_form.cleaned_data["team"], user=member
                )
        except IntegrityError:
            messages.warning(request, f"{member.get_full_name()} is already in that team.")
        else:
            messages.success(
                request, f"{member.get_full_name()} added to {add_form.cleaned_data['team'].name}."
            )
        return redirect("workspace:admin_staff", member.pk)
    return render(
        request,
        "workspace/admin/staff.jinja",
        {
            "page_title": member.get_full_name() or member.username,
            "member": member,
            "teams": list(Team.objects.filter(memberships__user=member).order_by("name")),
            "add_form": add_form,
            "close_form": forms.CloseAccountForm(),
        },
    )


@require_POST
def remove_from_team(request: HttpRequest, pk: int, team_pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    team = get_object_or_404(Team, pk=team_pk)
    directory.remove_team_member(actor=request.user, team=team, user=member)
    messages.success(request, f"{member.get_full_name()} removed from {team.name}.")
    return redirect("workspace:admin_staff", member.pk)


@require_POST
def close_account(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "organisations.manage")
    member = get_object_or_404(User, pk=pk)
    form = forms.CloseAccountForm(request.POST)
    if form.is_valid():
        try:
            result = services.close_account(
                actor=request.user, user=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{member.get_full_name()}'s account is closed: {result['sessions_ended']} "
                f"session(s) ended, {result['caseload_flagged']} referral(s) flagged for "
                f"reallocation, {result['tasks_moved']} task(s) moved to the team.",
            )
    else:
        messages.warning(request, "Say why the account is closed.")
    return redirect("workspace:admin_staff", member.pk)
