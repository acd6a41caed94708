"""The finance officer's financial assessment form: the person's means, in the words finance
officers use, turned into the charging engine's input (docs/charging-contract.md)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from caretrust.ui.fields import MoneyField, NhsDateField

NONE = ""


def money(label: str, **kwargs) -> MoneyField:
    return MoneyField(label=label, required=False, **kwargs)


class FinancialAssessmentForm(forms.Form):
    setting = forms.ChoiceField(
        label="Where is the care provided?",
        choices=[
            ("community", "At home or in the community"),
            ("care_home", "Permanent care home"),
        ],
    )
    assessed_on = NhsDateField(label="Date of assessment")
    couple = forms.BooleanField(label="Has a partner (couple)", required=False)
    premiums = forms.MultipleChoiceField(
        label="Premiums",
        required=False,
        choices=[
            ("disability", "Disability premium"),
            ("enhanced_disability", "Enhanced disability premium"),
            ("carer", "Carer premium"),
        ],
    )
    weeks_since_permanent_admission = forms.IntegerField(
        label="Complete weeks since permanent admission (care homes)", required=False, min_value=0
    )
    savings = money("Savings and investments (£)")
    savings_joint_owners = forms.IntegerField(label="Owners of the savings", min_value=1, initial=1)
    main_home = money("Value of the main home (£)")
    main_home_joint_owners = forms.IntegerField(label="Owners of the home", min_value=1, initial=1)
    qualifying_relative_lives_there = forms.BooleanField(
        label="A qualifying relative still lives in the home", required=False
    )
    other_property = money("Other property (£)")
    notional_capital = money("Notional capital decided by the council (£)")
    state_pension = money("State pension (£ a week)")
    occupational_pension = money("Occupational or private pension (£ a week)")
    half_pension_to_spouse = forms.BooleanField(
        label="Half the pension is paid to a spouse at home (care homes)", required=False
    )
    pension_credit = money("Pension credit guarantee (£ a week)")
    other_counted = money("Other counted benefits, e.g. ESA or Universal Credit (£ a week)")
    earnings = money("Earnings (£ a week, always disregarded)")
    disability_benefit = forms.ChoiceField(
        label="Disability benefit for care needs",
        required=False,
        choices=[
            (NONE, "None"),
            ("attendance_allowance_lower", "Attendance Allowance, lower rate"),
            ("attendance_allowance_higher", "Attendance Allowance, higher rate"),
            ("pip_daily_living_standard", "PIP daily living, standard rate"),
            ("pip_daily_living_enhanced", "PIP daily living, enhanced rate"),
        ],
    )
    disability_benefit_weekly = money("Amount of that benefit (£ a week)")
    night_care_provided = forms.BooleanField(label="The council funds night care", required=False)
    housing_costs_weekly = money("Housing costs not met by benefits (£ a week)")
    dre_weekly = money(
        "Assessed disability-related expenditure (£ a week; blank: council's flat amount)"
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("disability_benefit") and not data.get("disability_benefit_weekly"):
            self.add_error("disability_benefit_weekly", "Enter the weekly amount of the benefit.")
        return data

    def engine_input(self, *, age: int) -> dict:
        """The engine's input without services (the plan adds them)."""
        d = self.cleaned_data

        def amount(value: Decimal | None) -> str:
            return f"{value or 0:.2f}"

        capital = [
            {
                "kind": "savings",
                "value": amount(d["savings"]),
                "joint_owners": d["savings_joint_owners"],
            }
        ]
        if d.get("main_home"):
            capital.append(
                {
                    "kind": "main_home",
                    "value": amount(d["main_home"]),
                    "joint_owners": d["main_home_joint_owners"],
                    "qualifying_relative_lives_there": d["qualifying_relative_lives_there"],
                }
            )
        if d.get("other_property"):
            capital.append({"kind": "other_property", "value": amount(d["other_property"])})
        income = [
            {"kind": kind, "weekly": amount(d.get(field))}
            for kind, field in (
                ("state_pension", "state_pension"),
                ("pension_credit", "pension_credit"),
                ("other_counted", "other_counted"),
                ("earnings", "earnings"),
            )
            if d.get(field)
        ]
        if d.get("occupational_pension"):
            pension = {"kind": "occupational_pension", "weekly": amount(d["occupational_pension"])}
            if d["half_pension_to_spouse"]:
                pension["paid_to_spouse_at_home_fraction"] = "0.5"
            income.append(pension)
        if d.get("disability_benefit"):
            income.append(
                {"kind": d["disability_benefit"], "weekly": amount(d["disability_benefit_weekly"])}
            )
        result = {
            "nation": "england",
            "date": d["assessed_on"].isoformat(),
            "setting": d["setting"],
            "person": {"age": age, "couple": d["couple"], "premiums": d["premiums"]},
            "capital": capital,
            "income": income,
            "night_care_provided": d["night_care_provided"],
            "housing_costs_weekly": amount(d.get("housing_costs_weekly")),
            "dre_weekly": amount(d["dre_weekly"]) if d.get("dre_weekly") is not None else None,
        }
        if d.get("notional_capital"):
            result["notional_capital"] = amount(d["notional_capital"])
        if d["setting"] == "care_home" and d.get("weeks_since_permanent_admission") is not None:
            result["weeks_since_permanent_admission"] = d["weeks_since_permanent_admission"]
        return result
