"""caretrust's linkage beside the same model run directly in Splink, timed in one run.

    python benchmarks/bench_linkage_vs_splink.py [--people 3000000] [--council 1000000]

Both sides get the same standardised tables (people from the synthetic generator, council records
through its noise model: benchmarks/bench_linkage.py) and the same work: train on a seeded sample
of at most `TRAINING_RECORDS` records per side (λ from a deterministic rule, u from random pairs,
EM on the same blocking rules), then predict every pair the blocking rules reach at or above
`LOWER`. caretrust's run is `matching.build_linker` + `predict` + `best_per_right` (what
`caretrust link --best-only` does after reading the files); Splink's is the same calls written
directly against Splink with the same settings. Which goes first alternates with `--repeat`.
Results: benchmarks/results/linkage_vs_splink.json (done when caretrust <= 1.2x Splink at 3M x 1M).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).parent / "results" / "linkage_vs_splink.json"


def run_caretrust(left: pa.Table, right: pa.Table) -> tuple[float, pa.Table]:
    from caretrust.people import matching

    start = time.perf_counter()
    model = matching.build_linker(left, right, train=True)
    pairs = matching.predict(model, threshold=matching.LOWER)
    best = matching.best_per_right(pairs)
    return time.perf_counter() - start, best


def run_splink(left: pa.Table, right: pa.Table) -> tuple[float, pa.Table]:
    """The same model, written directly against Splink."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    from caretrust.people import matching

    start = time.perf_counter()
    has = {c: all(matching._has_values(t, c) for t in (left, right)) for c in matching.COLUMNS}
    model_settings = matching.settings(
        has["nhs_number"],
        with_address=has["address"],
        with_town=has["town"],
        with_sex=has["sex"],
        with_postcode=has["postcode"],
    )
    connection = duckdb.connect(config={"memory_limit": matching.MEMORY_LIMIT})
    db_api = DuckDBAPI(connection)
    samples = [matching._sample(t, matching.TRAINING_SEED + i) for i, t in enumerate((left, right))]
    trainer = Linker(
        [db_api.register(t, table_name=f"t{i}") for i, t in enumerate(samples)],
        model_settings,
        log_level=40,
    )
    trainer.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_date")], recall=0.8
    )
    small = sum(t.num_rows for t in samples) < 100_000
    trainer.training.estimate_u_using_random_sampling(
        max_pairs=matching.U_MAX_PAIRS_SMALL if small else matching.U_MAX_PAIRS,
        seed=matching.TRAINING_SEED,
    )
    for columns in matching.EM_RULES:
        trainer.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), estimate_without_term_frequencies=True
        )
    trained = trainer.misc.save_model_to_json()
    connection2 = duckdb.connect(config={"memory_limit": matching.MEMORY_LIMIT})
    db_api2 = DuckDBAPI(connection2)
    linker = Linker(
        [db_api2.register(left, table_name="l"), db_api2.register(right, table_name="r")],
        trained,
        log_level=40,
    )
    result = linker.inference.predict(threshold_match_probability=matching.LOWER)
    pairs = result.as_duckdbpyrelation().arrow()
    if hasattr(pairs, "read_all"):
        pairs = pairs.read_all()
    # best left record per right record, in SQL
    best = connection2.sql(
        "SELECT * FROM pairs QUALIFY row_number() OVER "
        "(PARTITION BY unique_id_r ORDER BY match_probability DESC) = 1"
    ).arrow()
    if hasattr(best, "read_all"):
        best = best.read_all()
    connection.close()
    return time.perf_counter() - start, best


def scores(best: pa.Table, truth: dict[str, str]) -> dict:
    from caretrust.people import matching

    chosen = best.filter(pc.greater_equal(best["match_probability"], matching.UPPER))
    found = zip(chosen["unique_id_l"].to_pylist(), chosen["unique_id_r"].to_pylist(), strict=True)
    return matching.pair_scores(found, [(v, k) for k, v in truth.items()])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--council", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    import logging

    from benchmarks.bench_linkage import council_sample, population, standard

    logging.getLogger("splink").setLevel(logging.ERROR)
    load_start = os.getloadavg()
    people = population(args.people, args.seed)
    council = council_sample(people, args.council, args.seed)
    truth = dict(zip(council["unique_id"].to_pylist(), council["true_id"].to_pylist(), strict=True))
    left, right = standard(people), standard(council)
    del people
    runs = []
    for i in range(args.repeat):
        order = [("caretrust", run_caretrust), ("splink", run_splink)]
        if i % 2:
            order.reverse()
        for name, run in order:
            seconds, best = run(left, right)
            runs.append(
                {"engine": name, "seconds": round(seconds, 1), "automatic": scores(best, truth)}
            )
            print(json.dumps(runs[-1]), flush=True)
    total = {
        n: sum(r["seconds"] for r in runs if r["engine"] == n) for n in ("caretrust", "splink")
    }
    result = {
        "people": left.num_rows,
        "council_records": right.num_rows,
        "runs": runs,
        "ratio_caretrust_over_splink": round(total["caretrust"] / total["splink"], 3),
        "target": "caretrust <= 1.2x Splink at 3M x 1M",
        "load_average_1_5_15_min": {
            "start": [round(x, 2) for x in load_start],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "note": "2 cores shared with other engineers' work; standardising the inputs is outside "
        "both timings (both get the same standardised tables).",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
