"""A safeguarding concern moves only along these transitions (Care Act 2014 s42; pathways.md §1).

    concern ──► s42_enquiry ──► concluded
       │    └─► other_enquiry ─► concluded
       └──────► no_further_action

The s42 decision leaves "concern" for one of the three routes; an enquiry ends "concluded".
Both ends are final: new information is a new concern (SAC counts concerns, pathways.md §1).
"""

from __future__ import annotations

from caretrust.statemachine import Transitions

CONCERN = "concern"
S42_ENQUIRY = "s42_enquiry"
OTHER_ENQUIRY = "other_enquiry"
NO_FURTHER_ACTION = "no_further_action"
CONCLUDED = "concluded"

CONCERN_STATES = Transitions(
    "safeguarding concern",
    {
        CONCERN: {S42_ENQUIRY, OTHER_ENQUIRY, NO_FURTHER_ACTION},
        S42_ENQUIRY: {CONCLUDED},
        OTHER_ENQUIRY: {CONCLUDED},
        NO_FURTHER_ACTION: set(),
        CONCLUDED: set(),
    },
)

ENQUIRY_STATES = frozenset({S42_ENQUIRY, OTHER_ENQUIRY})
OPEN_STATES = frozenset({CONCERN, S42_ENQUIRY, OTHER_ENQUIRY})
