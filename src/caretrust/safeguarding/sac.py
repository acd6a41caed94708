"""The Safeguarding Adults Collection (SAC) figures for a financial year, from the records.

Counting rules (pathways.md §1 [S], SAC guidance 2024-25/2025-26):
- activity *started* in the year: SG1f concerns (received), s42 enquiries and other enquiries
  (started on the s42 decision); SG1a/SG1b each adult with an s42 enquiry started in the year
  counted once, aged at the year end (or at death, if earlier);
- case details of s42 enquiries *concluded* in the year: SG2a type of risk by source of risk
  (an enquiry counts once under each type recorded), SG2b location by source, SG2c action and
  result, SG2e risk result where a risk was identified and action taken, SG3a capacity, SG4a
  Making Safeguarding Personal (asked / expressed, and achieved where expressed);
- SG1c (ADR 104): the SG1a adults by ethnic group (the person's `ethnicity`; blank = not known);
- SG2a_b1 (ADR 104): type of risk by location of risk, of the same concluded s42 enquiries (the
  table NHS Digital's SAC processing code, NHSDigital/ASC-Safeguarding-Adults, names beside SG2a
  and SG2b; there is no SG2d in that code or in pathways.md, so none is built);
- SG5 (ADR 104): Safeguarding Adults Reviews (s44) the board decided to hold in the year. SG5a
  counts reviews (adults sharing a board reference are one review) by basis (mandatory s44(1)-(3)
  / discretionary s44(4)) and whether one or more of its adults died; SG5b counts the adults in
  them, died or survived. The column names are those of NHS Digital's code; counting by the
  date of the decision is [unconfirmed] (the SAC guidance was not read on this point).
Numbers are not rounded or suppressed: this is the council's own return, not a publication.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from caretrust.people.models import Person
from caretrust.safeguarding.models import (
    ABUSE_TYPES,
    Concern,
    Enquiry,
    Location,
    SafeguardingAdultsReview,
    SourceOfRisk,
)


@dataclass(frozen=True)
class FinancialYear:
    start_year: int

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """ "2025-26" (1 April 2025 to 31 March 2026)."""
        try:
            first, second = text.split("-")
            year = int(first)
            if len(first) != 4 or int(second) != (year + 1) % 100 or not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            raise ValueError(f"{text!r} is not a financial year like 2025-26") from None
        return cls(year)

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Figure:
    table: str
    row: str
    column: str
    value: int


AGE_BANDS = [(18, 64, "18-64"), (65, 74, "65-74"), (75, 84, "75-84"), (85, 94, "85-94")]

SG2C_ROWS = [
    ("identified", True, "Risk identified and action taken"),
    ("identified", False, "Risk identified and no action taken"),
    ("inconclusive", True, "Risk - assessment inconclusive and action taken"),
    ("inconclusive", False, "Risk - assessment inconclusive and no action taken"),
    ("none", True, "No risk identified and action taken"),
    ("none", False, "No risk identified and no action taken"),
]
CEASED = "Enquiry ceased at individual's request and no action taken"


def _age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return "Age unknown"
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "95+" if age >= 95 else "Under 18"


def figures(year: FinancialYear) -> list[Figure]:
    out: list[Figure] = []

    def add(table: str, row: str, column: str, value: int) -> None:
        out.append(Figure(table, row, column, value))

    concerns = Concern.objects.filter(received_on__gte=year.start, received_on__lte=year.end)
    started = Enquiry.objects.filter(started_on__gte=year.start, started_on__lte=year.end)
    add("SG1f", "Total", "Safeguarding concerns", concerns.count())
    add("SG1f", "Total", "Section 42 safeguarding enquiries", started.filter(kind="s42").count())
    add("SG1f", "Total", "Other safeguarding enquiries", started.filter(kind="other").count())

    # SG1a/SG1b: each adult once (a person with two s42 enquiries started in the year is one).
    people = {
        e.concern.person_id: e.concern.person
        for e in started.filter(kind="s42").select_related("concern__person")
    }
    ages: Counter[str] = Counter()
    sexes: Counter[str] = Counter()
    ethnicities: Counter[str] = Counter()
    for person in people.values():
        on = min(year.end, person.death_date) if person.death_date else year.end
        ages[_age_band(person.birth_date, on)] += 1
        sexes[person.get_sex_display()] += 1
        ethnicities[person.ethnicity or Person.Ethnicity.NOT_KNOWN] += 1
    for _, _, label in AGE_BANDS:
        add("SG1a", label, "Individuals with section 42 enquiries", ages.pop(label, 0))
    add("SG1a", "95+", "Individuals with section 42 enquiries", ages.pop("95+", 0))
    for label, count in sorted(ages.items()):
        add("SG1a", label, "Individuals with section 42 enquiries", count)
    for label, count in sorted(sexes.items()):
        add("SG1b", label, "Individuals with section 42 enquiries", count)
    for value, label in Person.Ethnicity.choices:
        add("SG1c", label, "Individuals with section 42 enquiries", ethnicities[value])

    concluded = list(
        Enquiry.objects.filter(
            kind="s42", concluded_on__gte=year.start, concluded_on__lte=year.end
        ).select_related("concern")
    )
    sources = SourceOfRisk.choices
    for code, label in ABUSE_TYPES.items():
        for source, source_label in sources:
            n = sum(
                1
                for e in concluded
                if code in e.concern.abuse_types and e.concern.source_of_risk == source
            )
            add("SG2a", label, source_label, n)
    for location, location_label in Location.choices:
        for source, source_label in sources:
            n = sum(
                1
                for e in concluded
                if e.concern.location == location and e.concern.source_of_risk == source
            )
            add("SG2b", location_label, source_label, n)
    for code, label in ABUSE_TYPES.items():
        for location, location_label in Location.choices:
            n = sum(
                1
                for e in concluded
                if code in e.concern.abuse_types and e.concern.location == location
            )
            add("SG2a_b1", label, location_label, n)
    column = "Concluded section 42 enquiries"
    for found, action, label in SG2C_ROWS:
        n = sum(
            1
            for e in concluded
            if not e.ceased_at_request and e.risk_found == found and bool(e.action_taken) == action
        )
        add("SG2c", label, column, n)
    add("SG2c", CEASED, column, sum(1 for e in concluded if e.ceased_at_request))
    with_action = [e for e in concluded if e.risk_found == "identified" and e.action_taken]
    for value, label in Enquiry.RiskResult.choices:
        add("SG2e", label, column, sum(1 for e in with_action if e.risk_result == value))
    for value, label in Enquiry.Capacity.choices:
        add("SG3a", label, column, sum(1 for e in concluded if e.lacked_capacity == value))
    add("SG3a", "Not recorded", column, sum(1 for e in concluded if not e.lacked_capacity))
    for value, label in Enquiry.MspAsked.choices:
        add("SG4a", label, column, sum(1 for e in concluded if e.msp_asked == value))
    add("SG4a", "Not recorded", column, sum(1 for e in concluded if not e.msp_asked))
    expressed = [e for e in concluded if e.msp_asked == Enquiry.MspAsked.EXPRESSED]
    for value, label in Enquiry.Achieved.choices:
        add(
            "SG4a",
            label,
            "Concluded section 42 enquiries where outcomes were expressed",
            sum(1 for e in expressed if e.msp_achieved == value),
        )
    out.extend(_reviews(year))
    return out


SG5A_COLUMNS = ("Where no individuals died", "Where one or more individuals died")
SG5B_COLUMNS = ("Who suffered serious harm and died", "Who suffered serious harm and survived")


def _reviews(year: FinancialYear) -> list[Figure]:
    """SG5a reviews by basis and death; SG5b the adults in them (each adult once a review)."""
    rows = SafeguardingAdultsReview.objects.filter(
        decided_on__gte=year.start, decided_on__lte=year.end
    ).select_related("concern")
    reviews: dict[str, dict] = {}
    for row in rows:
        review = reviews.setdefault(row.review_key, {"basis": set(), "adults": {}})
        review["basis"].add(row.basis)
        adults = review["adults"]
        adults[row.concern.person_id] = adults.get(row.concern.person_id, False) or row.adult_died
    out = []
    for basis, label in SafeguardingAdultsReview.Basis.choices:
        # A review recorded as mandatory for any of its adults is mandatory.
        of_basis = [
            r for r in reviews.values() if (basis == "mandatory") == ("mandatory" in r["basis"])
        ]
        died = sum(1 for r in of_basis if any(r["adults"].values()))
        out.append(Figure("SG5a", label, SG5A_COLUMNS[0], len(of_basis) - died))
        out.append(Figure("SG5a", label, SG5A_COLUMNS[1], died))
    adults = [died for r in reviews.values() for died in r["adults"].values()]
    out.append(Figure("SG5b", "Individuals", SG5B_COLUMNS[0], sum(1 for d in adults if d)))
    out.append(Figure("SG5b", "Individuals", SG5B_COLUMNS[1], sum(1 for d in adults if not d)))
    return out


def as_csv(year: FinancialYear, rows: list[Figure]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["financial_year", "table", "row", "column", "value"])
    for figure in rows:
        writer.writerow([year.label, figure.table, figure.row, figure.column, figure.value])
    return buffer.getvalue()
