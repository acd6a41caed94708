"""Plan ahead (issue #23): baseline activity, population projection and Monte Carlo scenarios.

No Django. Data preparation is Ibis (DuckDB or Spark through `Dataset`); the runs are NumPy on the
aggregated baseline cells (area × sex × age band × frailty × setting), never on people::

    from caretrust.population import connect
    from caretrust.population.projection import load_scenario, prepare_baseline, run_projection

    baseline = prepare_baseline(connect("var/synthetic"))
    result = run_projection(load_scenario("plan.toml"), baseline, seed=1, runs=256, years=20,
                            progress=lambda done, total: ...)
    result.to_frame()  # setting, year, baseline, principal, p10, p50, p90, cost by payer
    result.to_json()
"""

from caretrust.population.projection.backtest import BacktestResult, backtest
from caretrust.population.projection.baseline import Baseline, observed_totals, prepare_baseline
from caretrust.population.projection.model import (
    ProjectionResult,
    draw_parameters,
    project_population,
    run_projection,
)
from caretrust.population.projection.scenario import (
    LEVERS,
    SETTINGS,
    Interval,
    Scenario,
    ScenarioError,
    UnitCosts,
    load_effects,
    load_scenario,
    load_unit_costs,
    parse_scenario,
)

__all__ = [
    "LEVERS",
    "SETTINGS",
    "BacktestResult",
    "Baseline",
    "Interval",
    "ProjectionResult",
    "Scenario",
    "ScenarioError",
    "UnitCosts",
    "backtest",
    "draw_parameters",
    "load_effects",
    "load_scenario",
    "load_unit_costs",
    "observed_totals",
    "parse_scenario",
    "prepare_baseline",
    "project_population",
    "run_projection",
]
