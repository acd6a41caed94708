"""caretrust.population.evaluation: did integration work? (no Django)

Designs (see docs/adr/0060-causal-evaluation.md):

- ``matched_did``: matched comparison cohort (exact on age band and sex, propensity score on prior
  use and frailty), Poisson difference-in-differences on person-time, clustered by person;
- ``area_did``: area panel, Poisson with area and month fixed effects, clustered by area;
- ``synthetic_control``: donor weights on the simplex, placebo-in-space p-value (10+ donors);
- ``staggered``: Callaway-Sant'Anna group-time effects by locality (never-treated controls).

Every result carries its diagnostics (pre-trend leads, placebo date, common support, balance,
E-value); a design that cannot answer returns a refusal in words::

    from caretrust.population import connect
    from caretrust.population.evaluation import EvaluationSpec, evaluate
    result = evaluate(connect("var/synthetic"), EvaluationSpec("matched_did", start=date(2019, 4, 1)))
"""

from caretrust.population.evaluation.design import (
    DESIGNS,
    Diagnostic,
    EvaluationResult,
    EvaluationSpec,
    evaluate,
)
from caretrust.population.evaluation.panel import Refusal

__all__ = ["DESIGNS", "Diagnostic", "EvaluationResult", "EvaluationSpec", "Refusal", "evaluate"]
