"""Survey results as indicators: by month, the share giving a positive answer to each question,
and the response rate, both through the published small-number rule (the population indicators'
``suppress``: counts 1-7 blanked, others rounded to 5, shares recomputed from the rounded counts),
then an XmR chart of the published monthly values (gaps where suppressed).

The response rate's denominator is the people who could answer (portal accounts of people and
carers; active staff accounts) as they are now: accounts are not dated, so a month long ago is
measured against today's list."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from caretrust.feedback.surveys import SURVEYS, Survey, indicator_key
from caretrust.population.indicators import suppress
from caretrust.population.indicators.publish import DEFAULT_RULE

NOT_COUNTED = {"not_looked"}  # "I have not looked" leaves a person out of that question's share


@dataclass(frozen=True)
class SuccessMeasure:
    indicator: str
    source: str  # "survey" or "outcomes"
    title: str
    direction: str  # "higher" or "lower"
    target: float
    owner: str
    target_source: str


def success_measures() -> list[SuccessMeasure]:
    """feedback/data/success_measures.toml, in file order."""
    text = (
        resources.files("caretrust.feedback")
        .joinpath("data")
        .joinpath("success_measures.toml")
        .read_text(encoding="utf-8")
    )
    return [SuccessMeasure(**m) for m in tomllib.loads(text)["measure"]]


def eligible(survey: Survey) -> int:
    from caretrust.organisations.models import User

    roles = (
        [User.Role.PERSON, User.Role.CARER]
        if survey.audience == "people and carers"
        else [r for r in User.Role if r not in (User.Role.PERSON, User.Role.CARER)]
    )
    return User.objects.filter(is_active=True, role__in=roles).count()


def monthly(
    survey: Survey, responses: list[tuple[dt.date, dict]], eligible_now: int
) -> pd.DataFrame:
    """Rows of (indicator, title, period_start, numerator, denominator, per, value) before
    suppression: one per question and month, and one for the response rate."""
    rows = []
    periods = sorted({period for period, _ in responses})
    for period in periods:
        answers = [a for p, a in responses if p == period]
        rows.append(
            {
                "indicator": f"{survey.key}.response_rate",
                "title": "Response rate",
                "period_start": period,
                "numerator": len(answers),
                "denominator": eligible_now,
            }
        )
        for question in survey.questions:
            given = [
                a[question.key] for a in answers if a.get(question.key) not in (None, *NOT_COUNTED)
            ]
            rows.append(
                {
                    "indicator": indicator_key(survey, question),
                    "title": question.indicator,
                    "period_start": period,
                    "numerator": sum(1 for v in given if v in question.positive),
                    "denominator": len(given),
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=["indicator", "title", "period_start", "numerator", "denominator"],
    )
    frame["numerator"] = frame.numerator.astype(float)
    frame["denominator"] = frame.denominator.astype(float)
    frame["per"] = 100.0
    frame["value"] = [
        n / d * 100 if d else math.nan
        for n, d in zip(frame.numerator, frame.denominator, strict=True)
    ]
    return frame


def published(survey_key: str) -> pd.DataFrame:
    """The survey's monthly indicators as they may be shown: suppressed and rounded."""
    from caretrust.feedback.models import SurveyResponse

    survey = SURVEYS[survey_key]
    responses = [
        (r.period, r.answers)
        for r in SurveyResponse.objects.filter(survey=survey_key).only("period", "answers")
    ]
    frame = monthly(survey, responses, eligible(survey))
    if frame.empty:
        return frame.assign(suppressed=pd.Series(dtype=bool))
    return suppress(frame, DEFAULT_RULE)


SUPPRESSION_NOTE = DEFAULT_RULE.describe()
