from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from caretrust.access import audit, throttle
from caretrust.access.middleware import client_address
from caretrust.access.models import AuditEvent
from caretrust.ui.forms import add_form_errors

__all__ = ["SecondFactorForm", "ThrottledAuthenticationForm", "add_form_errors"]


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing attempts after repeated failures and auditing each outcome."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct user name and password. Both are case-sensitive.",
        "locked": (
            "Too many failed sign-in attempts. For your security, sign-in is paused for "
            "15 minutes. Contact your administrator if you need help sooner."
        ),
    }

    def clean(self) -> dict:
        username = (self.data.get("username") or "").strip()
        address = client_address(self.request) if self.request else None
        if username and throttle.is_locked(username, address):
            audit.record(
                actor=None,
                action=AuditEvent.Action.SIGN_IN_LOCKED,
                object_type="organisations.user",
                object_id=username,
            )
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, address)
            raise
        throttle.clear_user(username, address)
        return cleaned


class SecondFactorForm(forms.Form):
    """The six-digit code from the member of staff's authenticator app."""

    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code your authenticator app shows now.",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise ValidationError("Enter the 6 digits your authenticator app shows, like 123456")
        return code
