"""A carer's eligibility: the Care and Support (Eligibility Criteria) Regulations 2015 (SI 2015/313),
regulation 3. Plain Python, tested on its own (tests/carers/test_eligibility.py holds the worked
cases).

A carer's needs meet the eligibility criteria if (reg 3(1)):
(a) the needs arise as a consequence of providing necessary care for an adult (who need not have
    eligible needs themselves);
(b) the effect of those needs is that the carer's physical or mental health is, or is at risk of,
    deteriorating, **or** the carer is unable to achieve any of the outcomes in reg 3(2); and
(c) as a consequence there is, or is likely to be, a significant impact on the carer's wellbeing.

"Unable to achieve" (reg 3(3)): unable without assistance; able without assistance but with
significant pain, distress or anxiety; or able without assistance but doing so endangers, or is
likely to endanger, the health or safety of the carer or of any adult or child for whom they
provide care. Unlike reg 2 for the adult there is no "significantly longer" limb.

Safety rule shared with the adult's assessment (issue #16): an outcome that was not assessed is
never read as "able"; the decision refuses and names what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Regulation 3(2), (a) to (h), in the regulation's words.
OUTCOMES: dict[str, str] = {
    "caring_for_child": "Carrying out any caring responsibilities the carer has for a child",
    "caring_for_others": "Providing care to other persons for whom the carer provides care",
    "habitable_home": "Maintaining a habitable home environment in the carer's home",
    "nutrition": "Managing and maintaining nutrition",
    "relationships": "Developing and maintaining family or other personal relationships",
    "work_education": "Engaging in work, training, education or volunteering",
    "community": "Making use of necessary facilities or services in the local community, "
    "including recreational facilities or services",
    "recreation": "Engaging in recreational activities",
}

ABLE = "able"
NOT_APPLICABLE = "not_applicable"  # e.g. no child to care for: recorded, and not a need
# Regulation 3(3): the ways a carer can be "unable to achieve" an outcome.
DIFFICULTIES: dict[str, str] = {
    ABLE: "Can achieve this without difficulty",
    NOT_APPLICABLE: "Does not apply to this carer",
    "needs_assistance": "Unable to achieve it without assistance",
    "pain_distress_anxiety": "Can, but with significant pain, distress or anxiety",
    "endangers_safety": "Can, but it endangers their or others' health or safety",
}
ACHIEVED = {ABLE, NOT_APPLICABLE}


class NotEnoughRecorded(ValueError):
    """The decision cannot be made yet: `missing` names each thing still to record."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("Record " + "; ".join(missing) + " before deciding.")
        self.missing = missing


@dataclass(frozen=True)
class CarerEligibility:
    eligible: bool
    reasons: tuple[str, ...]
    outcomes_not_achieved: tuple[str, ...]


def decide(
    *,
    needs_from_caring: bool | None,
    health_at_risk: bool | None,
    outcomes: Mapping[str, str],
    significant_impact: bool | None,
) -> CarerEligibility:
    """Apply reg 3's three conditions; each reason names the condition it is about.

    Raises NotEnoughRecorded naming every condition or outcome not yet recorded."""
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"not outcomes of regulation 3(2): {sorted(unknown)}")
    bad = {v for v in outcomes.values() if v not in DIFFICULTIES}
    if bad:
        raise ValueError(f"not a way of being unable to achieve an outcome: {sorted(bad)}")
    missing = []
    if needs_from_caring is None:
        missing.append("whether the needs arise from providing necessary care")
    if health_at_risk is None:
        missing.append("whether the carer's health is, or is at risk of, deteriorating")
    missing += [f"the outcome “{OUTCOMES[c]}”" for c in OUTCOMES if not outcomes.get(c)]
    if significant_impact is None:
        missing.append("whether there is a significant impact on the carer's wellbeing")
    if missing:
        raise NotEnoughRecorded(missing)

    not_achieved = tuple(code for code in OUTCOMES if outcomes[code] not in ACHIEVED)
    meets_a = bool(needs_from_caring)
    meets_b = bool(health_at_risk) or bool(not_achieved)
    meets_c = bool(significant_impact)
    named = "; ".join(OUTCOMES[c].lower() for c in not_achieved) or "none"
    reasons = (
        "Condition 1 met: the needs arise from providing necessary care for an adult."
        if meets_a
        else "Condition 1 not met: the needs do not arise from providing necessary care.",
        f"Condition 2 {'met' if meets_b else 'not met'}: health "
        f"{'is, or is at risk of, deteriorating' if health_at_risk else 'is not at risk'}; "
        f"unable to achieve {len(not_achieved)} of the specified outcomes ({named}). "
        "Either is enough.",
        "Condition 3 met: there is, or is likely to be, a significant impact on wellbeing."
        if meets_c
        else "Condition 3 not met: no significant impact on wellbeing is found or likely.",
    )
    return CarerEligibility(meets_a and meets_b and meets_c, reasons, not_achieved)
