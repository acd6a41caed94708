"""Turn the JSON input of `caretrust charge` into an `AssessmentRequest`, validating every field.

Errors are `ChargingInputError` naming the field path, e.g.
`capital[1].value: must not be negative`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from caretrust.funding.charging.errors import ChargingInputError
from caretrust.funding.charging.kinds import (
    CAPITAL_KINDS,
    FNC_BANDS,
    FUNDING_KINDS,
    INCOME_KINDS,
    ONE_OFF_FUNDING_KINDS,
    PAYERS,
    PREMIUMS,
    PROPERTY_KINDS,
    SETTINGS,
)
from caretrust.funding.charging.model import (
    ZERO,
    AssessmentRequest,
    CapitalItem,
    IncomeItem,
    Person,
    Service,
)
from caretrust.funding.charging.rules import NATIONS
from caretrust.funding.charging.values import (
    parse_bool,
    parse_choice,
    parse_fraction,
    parse_int,
    parse_iso_date,
    parse_money,
    parse_text,
)

TOP_LEVEL = {
    "nation", "date", "setting", "person", "weeks_since_permanent_admission", "capital",
    "notional_capital", "income", "night_care_provided", "housing_costs_weekly", "dre_weekly",
    "council_policy", "services", "figure_overrides",
}  # fmt: skip


def parse_request(data: object) -> AssessmentRequest:
    """Validate the input document and build the request."""
    obj = _object(data, "input", TOP_LEVEL)
    setting = parse_choice(_required(obj, "setting", "setting"), "setting", SETTINGS)
    weeks = obj.get("weeks_since_permanent_admission")
    return AssessmentRequest(
        nation=parse_choice(_required(obj, "nation", "nation"), "nation", frozenset(NATIONS)),
        on=parse_iso_date(_required(obj, "date", "date"), "date"),
        setting=setting,
        person=_person(_required(obj, "person", "person")),
        services=tuple(
            _service(item, f"services[{i}]")
            for i, item in enumerate(_list(_required(obj, "services", "services"), "services"))
        ),
        capital=tuple(
            _capital(item, f"capital[{i}]")
            for i, item in enumerate(_list(obj.get("capital", []), "capital"))
        ),
        income=tuple(
            _income(item, f"income[{i}]")
            for i, item in enumerate(_list(obj.get("income", []), "income"))
        ),
        weeks_since_permanent_admission=(
            None if weeks is None else parse_int(weeks, "weeks_since_permanent_admission")
        ),
        notional_capital=_money_or(obj, "notional_capital", "notional_capital", ZERO),
        night_care_provided=parse_bool(
            obj.get("night_care_provided", False), "night_care_provided"
        ),
        housing_costs_weekly=_money_or(obj, "housing_costs_weekly", "housing_costs_weekly", ZERO),
        dre_weekly=_money_or(obj, "dre_weekly", "dre_weekly", None),
        council_policy=_object(obj.get("council_policy") or {}, "council_policy", None),
        figure_overrides=_figure_overrides(obj.get("figure_overrides") or {}),
    )


def _object(value: object, path: str, allowed: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ChargingInputError(path, "must be a JSON object")
    if allowed is not None:
        for key in value:
            if key not in allowed:
                prefix = "" if path == "input" else f"{path}."
                raise ChargingInputError(f"{prefix}{key}", "unknown field")
    return dict(value)


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ChargingInputError(path, "must be a JSON list")
    return value


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if obj.get(key) is None:
        raise ChargingInputError(path, "required field is missing")
    return obj[key]


def _money_or(obj: Mapping[str, Any], key: str, path: str, default: Decimal | None) -> Any:
    value = obj.get(key)
    return default if value is None else parse_money(value, path)


def _person(value: object) -> Person:
    obj = _object(value, "person", {"age", "couple", "premiums", "dependent_children"})
    age = parse_int(_required(obj, "age", "person.age"), "person.age", minimum=18)
    premiums = _list(obj.get("premiums", []), "person.premiums")
    return Person(
        age=age,
        couple=parse_bool(obj.get("couple", False), "person.couple"),
        premiums=tuple(
            parse_choice(p, f"person.premiums[{i}]", PREMIUMS) for i, p in enumerate(premiums)
        ),
        dependent_children=parse_int(obj.get("dependent_children", 0), "person.dependent_children"),
    )


def _capital(value: object, path: str) -> CapitalItem:
    fields = {"kind", "value", "joint_owners", "qualifying_relative_lives_there", "secured_debt"}
    obj = _object(value, path, fields)
    kind = parse_choice(_required(obj, "kind", f"{path}.kind"), f"{path}.kind", CAPITAL_KINDS)
    relative = parse_bool(
        obj.get("qualifying_relative_lives_there", False), f"{path}.qualifying_relative_lives_there"
    )
    if relative and kind not in PROPERTY_KINDS:
        raise ChargingInputError(
            f"{path}.qualifying_relative_lives_there", "applies to property only"
        )
    return CapitalItem(
        kind=kind,
        value=parse_money(_required(obj, "value", f"{path}.value"), f"{path}.value"),
        joint_owners=parse_int(obj.get("joint_owners", 1), f"{path}.joint_owners", minimum=1),
        qualifying_relative_lives_there=relative,
        secured_debt=_money_or(obj, "secured_debt", f"{path}.secured_debt", ZERO),
    )


def _income(value: object, path: str) -> IncomeItem:
    obj = _object(value, path, {"kind", "weekly", "paid_to_spouse_at_home_fraction"})
    kind = parse_choice(
        _required(obj, "kind", f"{path}.kind"), f"{path}.kind", frozenset(INCOME_KINDS)
    )
    fraction = obj.get("paid_to_spouse_at_home_fraction")
    return IncomeItem(
        kind=kind,
        weekly=parse_money(_required(obj, "weekly", f"{path}.weekly"), f"{path}.weekly"),
        paid_to_spouse_at_home_fraction=(
            None
            if fraction is None
            else parse_fraction(fraction, f"{path}.paid_to_spouse_at_home_fraction")
        ),
    )


SERVICE_FIELDS = {
    "id", "description", "weekly_cost", "one_off_cost", "funding", "reablement_week",
    "includes_nursing", "fnc_band", "payer",
}  # fmt: skip


def _service(value: object, path: str) -> Service:
    obj = _object(value, path, SERVICE_FIELDS)
    funding = parse_choice(
        _required(obj, "funding", f"{path}.funding"), f"{path}.funding", FUNDING_KINDS
    )
    weekly, one_off = obj.get("weekly_cost"), obj.get("one_off_cost")
    if funding in ONE_OFF_FUNDING_KINDS:
        if one_off is None or weekly is not None:
            raise ChargingInputError(
                f"{path}.one_off_cost", f"{funding.replace('_', ' ')} has a one_off_cost only"
            )
    elif one_off is not None or weekly is None:
        raise ChargingInputError(
            f"{path}.weekly_cost", f"required for {funding} (and no one_off_cost)"
        )
    reablement_week = obj.get("reablement_week")
    if funding == "reablement" and reablement_week is None:
        raise ChargingInputError(f"{path}.reablement_week", "required for reablement")
    return Service(
        id=parse_text(_required(obj, "id", f"{path}.id"), f"{path}.id"),
        funding=funding,
        description=str(obj.get("description", "")),
        weekly_cost=None
        if weekly is None
        else parse_money(weekly, f"{path}.weekly_cost", max_places=2),
        one_off_cost=(
            None if one_off is None else parse_money(one_off, f"{path}.one_off_cost", max_places=2)
        ),
        reablement_week=(
            None
            if reablement_week is None
            else parse_int(reablement_week, f"{path}.reablement_week", minimum=1)
        ),
        includes_nursing=parse_bool(obj.get("includes_nursing", False), f"{path}.includes_nursing"),
        fnc_band=parse_choice(obj.get("fnc_band", "standard"), f"{path}.fnc_band", FNC_BANDS),
        payer=parse_choice(obj.get("payer", "council"), f"{path}.payer", PAYERS),
    )


def _figure_overrides(value: object) -> dict[str, Decimal]:
    obj = _object(value, "figure_overrides", None)
    return {name: parse_money(v, f"figure_overrides.{name}") for name, v in obj.items()}
