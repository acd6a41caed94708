"""The NHS.UK error pattern's one helper: a service's ValidationError shown on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_form_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    that field, otherwise at the top of the error summary."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
