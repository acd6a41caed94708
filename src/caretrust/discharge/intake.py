"""A hospital discharge referral (web form or FHIR ServiceRequest) starts a discharge: the
referral's intake hook (`referrals.hooks`) hands over the ready date and pathway."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from caretrust.referrals import hooks
from caretrust.referrals.models import Referral

FORM_FIELDS = {"ready_date": "discharge_ready_date", "pathway": "discharge_pathway"}


def _intake(*, actor, referral: Referral, extra) -> None:
    details = extra.get("discharge")
    if referral.source != Referral.Source.HOSPITAL_DISCHARGE:
        return
    if not details:
        # Without a ready date it is an ordinary referral from the hospital (older clients, the
        # demo's waiting list); the web form asks for both when the hospital refers.
        return
    from caretrust.discharge import services

    try:
        services.record_from_referral(
            actor=actor,
            referral=referral,
            ready_date=details.get("ready_date"),
            pathway=details.get("pathway"),
        )
    except ValidationError as error:
        # The referral form's field names, so the message sits beside the field.
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {FORM_FIELDS.get(k, k): v for k, v in error.error_dict.items()}
            ) from None
        raise


hooks.register_intake(_intake)
