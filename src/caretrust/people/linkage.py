"""placeholder"""

from dataclasses import dataclass


@dataclass
class LinkOutcome:
    considered: int = 0
    auto_linked: int = 0
    for_review: int = 0
    new_people: int = 0


def link_pending_people():
    return LinkOutcome()
