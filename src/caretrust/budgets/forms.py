"""Forms of the budgets area: money as people type it (MoneyField), dates as the NHS.UK date input."""

from __future__ import annotations

from django import forms

from caretrust.budgets.models import DirectPaymentAgreement, EndReason, Mechanism
from caretrust.ui.fields import MoneyField, NhsDateField

FREQUENCIES = [(4, "Every 4 weeks"), (2, "Every 2 weeks"), (1, "Every week")]


class LineDeliveryForm(forms.Form):
    mechanism = forms.ChoiceField(label="How is it delivered?", choices=Mechanism.choices)


class DirectPaymentForm(forms.Form):
    recipient = forms.ChoiceField(
        label="Who receives the payments?", choices=DirectPaymentAgreement.Recipient.choices
    )
    recipient_name = forms.CharField(
        label="Name of the nominee or authorised person", required=False, max_length=200
    )
    requested_on = NhsDateField(label="Date the person asked for direct payments")
    start = NhsDateField(label="Date of the first payment")
    frequency_weeks = forms.TypedChoiceField(
        label="How often is it paid?",
        coerce=int,
        choices=FREQUENCIES,
        initial=4,
    )
    contingency_weeks = forms.TypedChoiceField(
        label="Contingency the person may keep in the account",
        coerce=int,
        choices=[
            (4, "4 weeks of payments"),
            (8, "8 weeks of payments"),
            (2, "2 weeks of payments"),
        ],
        initial=4,
    )
    conditions_met = forms.BooleanField(
        label="The person asked for direct payments and can manage them, with help if needed "
        "(or an authorised person will manage them)",
        required=False,
    )


class DirectPaymentChangeForm(forms.Form):
    effective_from = NhsDateField(label="Date the change takes effect")
    frequency_weeks = forms.TypedChoiceField(
        label="How often is it paid from that date?", coerce=int, choices=FREQUENCIES
    )
    reason = forms.CharField(
        label="Why does it change?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say why the direct payment changes."},
    )


class DirectPaymentEndForm(forms.Form):
    end_date = NhsDateField(label="Last day the direct payment pays for")
    reason = forms.ChoiceField(
        label="Why does it end?",
        choices=[("", "Choose a reason"), *EndReason.choices],
        error_messages={"required": "Choose why the direct payment ends."},
    )
    note = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=2000)


class MonitoringReturnForm(forms.Form):
    period_start = NhsDateField(label="Start of the period")
    period_end = NhsDateField(label="End of the period")
    spent = MoneyField(label="Spent in the period (£)")
    balance = MoneyField(label="Balance on the account at the end of the period (£)")
    note = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=2000)


class DeferredPaymentForm(forms.Form):
    agreed_on = NhsDateField(label="Date the agreement is made")
    deferral_start = NhsDateField(label="Date deferring starts")
    care_home_weekly_fee = MoneyField(label="Care home fee (£ a week)")
    property_address = forms.CharField(label="Address of the home", max_length=300)
    property_value = MoneyField(label="Value of the home (£)")
    encumbrances = MoneyField(
        label="Mortgages or other charges already on the home (£)", required=False
    )
    land_registry_title = forms.CharField(label="Land Registry title number", max_length=30)
    charge_registered_on = NhsDateField(label="Date the council's charge was registered")
    council_rate = forms.DecimalField(
        label="Interest rate (% a year; blank: the national maximum for each period)",
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=2,
        error_messages={"invalid": "Enter the rate as a number, like 4.05"},
    )
    valuation_fee = MoneyField(label="Valuation of the home, at cost (£)", required=False)
    land_registry_fee = MoneyField(label="Land Registry fees, at cost (£)", required=False)
    admin_costs_paid_separately = forms.BooleanField(
        label="The person asked to pay the administration costs separately (they are not added "
        "to the amount deferred)",
        required=False,
    )
