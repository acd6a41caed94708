"""The Mental Capacity Act 2005 test of capacity, for one decision at one time. Plain Python.

Principles (MCA s1): a person is presumed to have capacity unless it is established that they
lack it; they are not treated as unable to decide unless all practicable steps to help them have
been taken without success; an unwise decision does not by itself mean they lack capacity.

The two stages, in the order of the MCA Code of Practice (2007) paras 4.11–4.13:
- Stage 1 (s2(1), the "diagnostic" stage): is there an impairment of, or a disturbance in the
  functioning of, the mind or brain?
- Stage 2 (s3(1), the "functional" stage): is the person unable to make the decision, that is
  unable (a) to understand the information relevant to it, (b) to retain that information,
  (c) to use or weigh it as part of making the decision, or (d) to communicate the decision?
  Any one of the four is enough.
The person lacks capacity only if both are met and the inability is *because of* the impairment
(s2(1); A Local Authority v JB [2021] UKSC 52 puts the functional question first and then the
causal link: recorded here as `because_of_impairment`).
"""

from __future__ import annotations

from dataclasses import dataclass

FUNCTIONAL_ABILITIES: dict[str, str] = {
    "understand": "understand the information relevant to the decision",
    "retain": "retain that information",
    "use_or_weigh": "use or weigh that information as part of making the decision",
    "communicate": "communicate their decision (by talking, sign language or any other means)",
}


@dataclass(frozen=True)
class CapacityFinding:
    lacks_capacity: bool
    reasons: tuple[str, ...]


def assess(
    *,
    impairment: bool,
    unable_to: set[str] | frozenset[str],
    because_of_impairment: bool | None = None,
    practicable_steps_taken: bool = True,
) -> CapacityFinding:
    """Apply the two-stage test. `unable_to` holds the keys of FUNCTIONAL_ABILITIES the person
    cannot do; `because_of_impairment` is the causal link (None: not separately recorded, taken
    as met when both stages are)."""
    unknown = set(unable_to) - set(FUNCTIONAL_ABILITIES)
    if unknown:
        raise ValueError(f"not abilities of MCA s3(1): {sorted(unknown)}")
    if not practicable_steps_taken:
        return CapacityFinding(
            False,
            (
                "Capacity is presumed: not every practicable step to help the person decide has "
                "been taken (MCA s1(3)).",
            ),
        )
    stage_1 = (
        "Stage 1 met: there is an impairment of, or a disturbance in the functioning of, the mind "
        "or brain (MCA s2(1))."
        if impairment
        else "Stage 1 not met: no impairment of, or disturbance in the functioning of, the mind or "
        "brain (MCA s2(1)); the person is presumed to have capacity."
    )
    named = "; ".join(FUNCTIONAL_ABILITIES[k] for k in FUNCTIONAL_ABILITIES if k in unable_to)
    stage_2 = (
        f"Stage 2 met: the person is unable to {named} (MCA s3(1)); any one is enough."
        if unable_to
        else "Stage 2 not met: the person can understand, retain, use or weigh the information "
        "and communicate their decision (MCA s3(1))."
    )
    lacks = bool(impairment and unable_to and because_of_impairment is not False)
    reasons = [stage_1, stage_2]
    if impairment and unable_to and because_of_impairment is False:
        reasons.append(
            "Not because of the impairment: the inability to decide is not caused by the "
            "impairment or disturbance (MCA s2(1); JB [2021] UKSC 52), so capacity is not lacking."
        )
    reasons.append(
        "The person lacks capacity to make this decision now."
        if lacks
        else "The person has capacity to make this decision."
    )
    return CapacityFinding(lacks, tuple(reasons))
