"""Care Act financial assessment: who pays for each service and what the person contributes.

Pure Python (imports no Django). Rules and figures are data (`caretrust/funding/rules/*.toml`).

    from caretrust.funding.charging import assess, parse_request, assessment_to_json
    result = assess(parse_request(json.load(f)))
"""

from caretrust.funding.charging.engine import assess, assess_means
from caretrust.funding.charging.errors import (
    ChargingError,
    ChargingInputError,
    FigureUnavailableError,
)
from caretrust.funding.charging.lines import allocate
from caretrust.funding.charging.model import (
    Assessment,
    AssessmentRequest,
    CapitalItem,
    IncomeItem,
    LineResult,
    MeansAssessment,
    Person,
    Service,
    Step,
)
from caretrust.funding.charging.parse import parse_request
from caretrust.funding.charging.policy import CouncilPolicy, default_policy
from caretrust.funding.charging.rules import Figure, RuleBook, RuleSet, default_rule_book
from caretrust.funding.charging.serialise import assessment_to_json, means_to_json

__all__ = [
    "Assessment",
    "AssessmentRequest",
    "CapitalItem",
    "ChargingError",
    "ChargingInputError",
    "CouncilPolicy",
    "Figure",
    "FigureUnavailableError",
    "IncomeItem",
    "LineResult",
    "MeansAssessment",
    "Person",
    "RuleBook",
    "RuleSet",
    "Service",
    "Step",
    "allocate",
    "assess",
    "assess_means",
    "assessment_to_json",
    "default_policy",
    "default_rule_book",
    "means_to_json",
    "parse_request",
]
