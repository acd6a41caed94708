"""Secure message pages. Thin: forms validate, services write and audit, policy decides."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from caretrust.access import policy
from caretrust.messaging import forms, selectors, services
from caretrust.messaging.models import Message
from caretrust.ui.forms import add_form_errors


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"


def inbox(request: HttpRequest) -> HttpResponse:
    """Messages to me (unread first marked) and sent by me, about people I still have a
    relationship with; the people named are audited like any list page."""
    user = request.user
    policy.require(user, "messaging.inbox")
    received = selectors.inbox(user, fetch=200)  # the selectors audit (ADR 101)
    sent = selectors.sent_by(user, fetch=100)
    return render(
        request,
        "messaging/inbox.jinja",
        {
            "page_title": "Messages",
            "received": [(r, _when(r.message.sent_at)) for r in received],
            "sent": [(m, _when(m.sent_at)) for m in sent],
            "unread": sum(1 for r in received if r.read_at is None),
        },
    )


def new_message(request: HttpRequest, ref) -> HttpResponse:
    # The form shows the person (also when it comes back with errors): the read is recorded by
    # the selector (ADR 107).
    person = selectors.person_to_write_about(request.user, ref)
    form = forms.MessageForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.send_message(
                actor=request.user,
                person=person,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                **form.recipient(),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            flash.success(request, f"Message sent to {message.recipient_label}.")
            return redirect("messaging:message", message.uuid)
    return render(
        request,
        "messaging/new.jinja",
        {"page_title": "Send a secure message", "form": form, "person": person},
    )


def _message(request: HttpRequest, uuid) -> Message:
    return get_object_or_404(
        Message.objects.select_related("person", "sender", "recipient_user", "recipient_team"),
        uuid=uuid,
    )


def message(request: HttpRequest, uuid, reply_form=None) -> HttpResponse:
    msg = _message(request, uuid)
    conversation = services.read_conversation(actor=request.user, message=msg)
    return render(
        request,
        "messaging/message.jinja",
        {
            "page_title": msg.subject,
            "message": msg,
            "conversation": [(m, _when(m.sent_at)) for m in conversation],
            "reply_form": reply_form or forms.ReplyForm(),
        },
    )


def reply(request: HttpRequest, uuid) -> HttpResponse:
    msg = _message(request, uuid)
    if request.method != "POST":
        return redirect("messaging:message", msg.uuid)
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply(actor=request.user, message=msg, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            flash.success(request, "Reply sent.")
            return redirect("messaging:message", msg.uuid)
    return message(request, uuid, reply_form=form)
