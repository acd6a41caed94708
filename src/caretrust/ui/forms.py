"""The NHS.UK error pattern's helpers: a service's ValidationError shown on the form, and the
form → service → redirect sequence of the pages that change a record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

T = TypeVar("T")


def add_form_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    that field, otherwise at the top of the error summary."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def submit_form(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[Any], T],
    *,
    success: str | Callable[[T], str],
    then: Callable[[T], HttpResponse],
    again: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """The one form → service → redirect pattern of the pages that change a record (ADR 101).

    When the request is a POST and `form` is valid, `write(form)` calls the service; if the
    service refuses with a ValidationError its messages go on the form (`add_form_errors`),
    else `success` (a message, or a function of what `write` returned) is flashed and `then`
    (a function of that result) answers, a redirect. Otherwise `again(form)` renders the page
    again with the form and its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            result = write(form)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return then(result)
    return again(form)
