"""The scenario form: name, each lever's 80% interval and source, and how to run it."""

from __future__ import annotations

from django import forms

from caretrust.outcomes.planning import (
    FORM_PATH,
    RUN_LIMITS,
    ScenarioError,
    check_lever,
    parse_scenario,
    plain_message,
    scenario_toml,
)
from caretrust.population.projection import LEVERS, Scenario


def lever_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


class ScenarioForm(forms.Form):
    name = forms.CharField(label="Scenario name", max_length=200)
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea
    )
    seed = forms.IntegerField(
        label="Seed",
        min_value=RUN_LIMITS["seed"][0],
        max_value=RUN_LIMITS["seed"][1],
        help_text="The same seed, scenario and data give the same result.",
    )
    runs = forms.IntegerField(
        label="Monte Carlo runs",
        min_value=RUN_LIMITS["runs"][0],
        max_value=RUN_LIMITS["runs"][1],
        help_text="More runs give steadier intervals and take longer (256 is usual).",
    )
    years = forms.IntegerField(
        label="Years ahead", min_value=RUN_LIMITS["years"][0], max_value=RUN_LIMITS["years"][1]
    )

    def __init__(self, *args, base: Scenario | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.base = base
        for name, spec in LEVERS.items():
            lo, hi = spec.limits
            title = lever_title(name)
            self.fields[f"{name}_low"] = forms.FloatField(
                label=f"{title}: low",
                required=False,
                help_text=f"{spec.description[:1].upper()}{spec.description[1:]}; "
                f"allowed from {lo:g} to {hi:g}. Leave both ends empty to leave the lever out.",
            )
            self.fields[f"{name}_high"] = forms.FloatField(label=f"{title}: high", required=False)
            self.fields[f"{name}_source"] = forms.CharField(
                label=f"{title}: source", required=False, widget=forms.Textarea
            )

    @staticmethod
    def initial_for(scenario: Scenario) -> dict:
        initial: dict = {
            "name": scenario.name,
            "description": scenario.description,
            "seed": 1,
            "runs": 256,
            "years": 20,
        }
        for name, interval in scenario.levers.items():
            initial[f"{name}_low"] = interval.lo
            initial[f"{name}_high"] = interval.hi
            initial[f"{name}_source"] = interval.source
        return initial

    def lever_groups(self) -> list[dict]:
        """Bound fields per lever, for the template's fieldsets."""
        return [
            {
                "name": name,
                "title": lever_title(name),
                "low": self[f"{name}_low"],
                "high": self[f"{name}_high"],
                "source": self[f"{name}_source"],
            }
            for name in LEVERS
        ]

    def clean(self) -> dict:
        data = super().clean()
        levers: dict[str, tuple[float, float, str]] = {}
        for name in LEVERS:
            lo, hi = data.get(f"{name}_low"), data.get(f"{name}_high")
            source = (data.get(f"{name}_source") or "").strip()
            if f"{name}_low" in self.errors or f"{name}_high" in self.errors:
                continue
            if lo is None and hi is None:
                if source:
                    self.add_error(
                        f"{name}_low", "Enter the interval, or clear the source to leave it out"
                    )
                continue
            if lo is None or hi is None:
                self.add_error(
                    f"{name}_low" if lo is None else f"{name}_high",
                    "Enter both ends of the interval, or neither to leave the lever out",
                )
                continue
            problem = check_lever(name, lo, hi, source)
            if problem:
                field = "source" if "source" in problem else "low"
                self.add_error(f"{name}_{field}", problem)
                continue
            levers[name] = (lo, hi, source)
        if self.errors:
            return data
        text = scenario_toml(
            name=data.get("name", ""),
            description=data.get("description", ""),
            levers=levers,
            base=self.base,
        )
        try:
            self.scenario = parse_scenario(text, FORM_PATH)
        except ScenarioError as error:
            message = plain_message(error)
            field = next((f"{n}_low" for n in LEVERS if n in message), None)
            self.add_error(field, message)
            return data
        data["toml"] = text
        return data
