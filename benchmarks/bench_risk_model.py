"""Benchmark the risk model (issue #21 item 3) on a generated place with person heterogeneity.

    .venv/bin/python benchmarks/bench_risk_model.py [--people 3000000] [--seed 21] [--data DIR]

Generates (or reuses, with --data) a place of --people people, half in the integrated area and
half in one comparison area, 10 years from 1 April 2015, latent risk variance 1 (the generator's
default), no prescriptions (the eFI then counts no polypharmacy; nothing else changes). Then
`caretrust.population.risk.stratify` as at 31 March 2025: trains as at 31 March 2023 (logistic and
gradient boosting, the better on validation kept), tests as at 31 March 2024 against the age-only
baseline and the generator's true risk of the simulated year from 1 April 2024. Writes every
metric and the timings to benchmarks/results/risk_model.json (or --out).

Done when: AUC(model) − AUC(age only) ≥ 0.05, |AUC(true) − AUC(model)| ≤ 0.03, calibration slope
within 0.9–1.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from pathlib import Path

SCORE_DATE = dt.date(2025, 3, 31)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--data", type=Path, default=None, help="Reuse a generated place.")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "risk_model.json"
    )
    args = parser.parse_args()

    from caretrust.population import connect
    from caretrust.population.risk import stratify
    from caretrust.synthetic import SyntheticConfig, write

    half = args.people // 2
    config = SyntheticConfig(
        people=half,
        comparison_people=args.people - half,
        years=10,
        seed=args.seed,
        prescriptions=False,
    )
    data = args.data or Path(f"/tmp/caretrust_risk_model_{args.people}_{args.seed}")
    timings: dict[str, float] = {}
    if not (data / "truth" / "person_risk.parquet").exists():
        clock = time.perf_counter()
        write(config, data, formats=("parquet",))  # no FHIR or CLD: 16 GB at 1 million
        timings["generate_s"] = round(time.perf_counter() - clock, 1)
    clock = time.perf_counter()
    result = stratify(
        connect(data, "duckdb"), SCORE_DATE, truth=data / "truth" / "person_risk.parquet"
    )
    timings["stratify_s"] = round(time.perf_counter() - clock, 1)
    timings.update({k: round(v, 1) for k, v in result.timings.items()})
    report = result.report()
    m, age, true = result.metrics, result.age_only, result.true_risk
    assert age is not None and true is not None
    checks = {
        "auc_minus_age_only": round(m.auc - age.auc, 4),
        "true_minus_model_auc": round(true.auc - m.auc, 4),
        "calibration_slope": round(m.slope, 4),
        "beats_age_by_0_05": m.auc - age.auc >= 0.05,
        "within_0_03_of_true": abs(true.auc - m.auc) <= 0.03,
        "slope_within_0_9_1_1": 0.9 <= m.slope <= 1.1,
    }
    out = {
        "people": args.people,
        "integrated_people": config.people,
        "comparison_people": config.comparison_people,
        "seed": args.seed,
        "years": config.years,
        "person_risk_variance": config.person_risk_variance,
        "prescriptions": False,
        "score_date": SCORE_DATE.isoformat(),
        "scored_people": len(result.scores),
        "checks": checks,
        "done": all(v for k, v in checks.items() if isinstance(v, bool)),
        "timings_s": timings,
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "cpu": "2 cores shared with other sessions",
        "report": report,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("people", "checks", "done", "timings_s")}, indent=2))
    print(
        f"AUC model {m.auc:.3f} ({report['kept']}), age only {age.auc:.3f}, true {true.auc:.3f}; "
        f"slope {m.slope:.3f}"
    )


if __name__ == "__main__":
    main()
