"""Care Act 2014 eligibility for an adult with care and support needs: the Care and Support
(Eligibility Criteria) Regulations 2015, regulation 2. Plain Python, tested on its own.

An adult's needs meet the eligibility criteria if (a) they arise from or are related to a physical
or mental impairment or illness; (b) as a result the adult is unable to achieve two or more of the
specified outcomes (regulation 2(2)); and (c) as a consequence there is, or is likely to be, a
significant impact on the adult's wellbeing. "Unable to achieve" (regulation 2(3)) includes being
able to achieve it only with assistance, or without assistance but with significant pain, distress
or anxiety, or in a way that endangers the adult's or others' health or safety, or taking
significantly longer than would normally be expected.

An outcome nobody assessed is never "able": a decision needs all ten recorded, and whether the
needs fluctuate (regulation 2(4): judged over whatever period shows the true level of need).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Regulation 2(2), (a) to (j), in the regulation's own words.
OUTCOMES: dict[str, str] = {
    "nutrition": "Managing and maintaining nutrition",
    "hygiene": "Maintaining personal hygiene",
    "toilet": "Managing toilet needs",
    "clothing": "Being appropriately clothed",
    "home_safety": "Being able to make use of the home safely",
    "habitable_home": "Maintaining a habitable home environment",
    "relationships": "Developing and maintaining family or other personal relationships",
    "work_education": "Accessing and engaging in work, training, education or volunteering",
    "community": "Making use of necessary facilities or services in the local community, "
    "including public transport and recreational facilities or services",
    "caring_for_child": "Carrying out any caring responsibilities the adult has for a child",
}

# Regulation 2(3): the ways an adult can be "unable to achieve" an outcome.
ABLE = "able"
DIFFICULTIES: dict[str, str] = {
    ABLE: "Can achieve this without difficulty",
    "needs_assistance": "Unable to achieve it, or only with assistance (including prompting)",
    "pain_distress_anxiety": "Can, but it causes significant pain, distress or anxiety",
    "endangers_safety": "Can, but it endangers their or others' health or safety",
    "significantly_longer": "Can, but it takes significantly longer than normal",
}

MINIMUM_OUTCOMES = 2


@dataclass(frozen=True)
class EligibilityResult:
    eligible: bool | None  # None: not enough is recorded yet to decide
    reasons: tuple[str, ...]
    outcomes_not_achieved: tuple[str, ...]
    missing: tuple[str, ...] = ()  # outcomes not yet assessed, in the regulation's order


def decide(
    *,
    impairment: bool | None,
    outcomes: Mapping[str, str],
    significant_impact: bool | None,
    needs_fluctuate: bool | None = None,
    fluctuation_period: str = "",
) -> EligibilityResult:
    """Apply the three conditions; every reason says which condition it is about. Until every
    outcome, both yes-no conditions and fluctuation are recorded the answer is None, with a reason
    naming what is missing."""
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"not specified outcomes: {sorted(unknown)}")
    bad = {v for v in outcomes.values() if v not in DIFFICULTIES}
    if bad:
        raise ValueError(f"not a way of being unable to achieve an outcome: {sorted(bad)}")
    unassessed = tuple(code for code in OUTCOMES if not outcomes.get(code))
    not_achieved = tuple(code for code in OUTCOMES if outcomes.get(code, ABLE) != ABLE)
    reasons: list[str] = []
    missing = []
    if unassessed:
        missing.append(
            "how the person manages "
            + ("each of these outcomes, not yet assessed: " if len(unassessed) > 1 else "")
            + "; ".join(OUTCOMES[c] for c in unassessed)
            + (" (not yet assessed)" if len(unassessed) == 1 else "")
        )
    if needs_fluctuate is None:
        missing.append("whether the person's needs fluctuate")
    elif needs_fluctuate and not fluctuation_period.strip():
        missing.append("the period over which fluctuating needs were judged")
    if impairment is None:
        missing.append("whether the needs arise from an impairment or illness")
    if significant_impact is None:
        missing.append("whether there is a significant impact on wellbeing")
    if missing:
        return EligibilityResult(
            None, (f"Record {', and '.join(missing)}.",), not_achieved, unassessed
        )

    meets_a = impairment
    meets_b = len(not_achieved) >= MINIMUM_OUTCOMES
    meets_c = significant_impact
    reasons.append(
        "Condition 1 met: the needs arise from or relate to a physical or mental impairment or illness."
        if meets_a
        else "Condition 1 not met: the needs do not arise from a physical or mental impairment or illness."
    )
    named = "; ".join(OUTCOMES[c].lower() for c in not_achieved) or "none"
    reasons.append(
        f"Condition 2 {'met' if meets_b else 'not met'}: unable to achieve {len(not_achieved)} of "
        f"the specified outcomes ({named}); at least {MINIMUM_OUTCOMES} are needed."
    )
    reasons.append(
        "Condition 3 met: as a consequence there is, or is likely to be, a significant impact on wellbeing."
        if meets_c
        else "Condition 3 not met: no significant impact on wellbeing is found or likely."
    )
    return EligibilityResult(bool(meets_a and meets_b and meets_c), tuple(reasons), not_achieved)
