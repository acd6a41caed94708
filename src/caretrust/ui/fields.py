"""Form fields that take input the way people type it, with NHS.UK service-manual messages.

- `MoneyField`: "250,000", "£250,000", "250000.00" and " 1,234.5 " are all amounts of money; the
  messages say what to type instead of Django's defaults.
- `NhsDateField`: the NHS.UK date input (day, month and year in three boxes), with the design
  system's error messages ("... must include a month", "... must be a real date").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

# Digits with optional thousands separators in the right places, then optional pence.
_MONEY = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


class MoneyField(forms.DecimalField):
    def __init__(self, *, max_digits: int = 12, decimal_places: int = 2, **kwargs) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        label = (kwargs.get("label") or "The amount").split(" (")[0]
        self.error_messages.update(
            {
                "invalid": f"{label} must be an amount of money, like 250,000 or 12.50",
                "min_value": f"{label} must be £0 or more",
                "max_decimal_places": f"{label} must be in pounds and pence, like 12.50",
                "max_digits": f"{label} is too large: check the amount",
                "max_whole_digits": f"{label} is too large: check the amount",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().replace("£", "").replace(" ", "")
            if text == "":
                return None
            if not _MONEY.match(text):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            try:
                return Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)


class NhsDateInput(forms.MultiWidget):
    """Three text boxes (day, month, year) named `<name>_day`, `<name>_month`, `<name>_year`."""

    def __init__(self) -> None:
        numeric = {"inputmode": "numeric"}
        super().__init__(
            {
                "day": forms.TextInput(attrs=numeric),
                "month": forms.TextInput(attrs=numeric),
                "year": forms.TextInput(attrs=numeric),
            }
        )

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    @staticmethod
    def parts(value) -> tuple[str, str, str]:
        """What to show in the three boxes: a date, or what the person typed (kept on error)."""
        if isinstance(value, date):
            return str(value.day), str(value.month), str(value.year)
        if isinstance(value, list | tuple) and len(value) == 3:
            return tuple("" if v is None else str(v) for v in value)  # type: ignore[return-value]
        return "", "", ""


class NhsDateField(forms.MultiValueField):
    widget = NhsDateInput

    def __init__(self, *, label: str, hint: str = "For example, 15 3 2026", **kwargs) -> None:
        self.date_label = label
        # The parts are optional one by one: compress() names the missing part in its message.
        fields = tuple(forms.CharField(required=False) for _ in range(3))
        super().__init__(fields, label=label, help_text=hint, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {label[0].lower()}{label[1:]}"

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(part or "").strip() for part in data_list)
        missing = [
            name for name, part in (("day", day), ("month", month), ("year", year)) if not part
        ]
        if missing:
            raise ValidationError(f"{self.date_label} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{self.date_label} must be a real date, like 15 3 2026")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.date_label} must be a real date") from None
