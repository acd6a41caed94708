"""Benchmark linkage: council (CLD-like) records against the people index, on DuckDB with Splink.

    python benchmarks/bench_linkage.py [--people 3000000] [--council 1000000] [--save-model]

People come from the synthetic generator's baseline population (names, date of birth, sex,
postcode; lives are not simulated, linkage does not need them). Council records are a random
sample of those people passed through the generator's own noise model (typos, nicknames, changed
surnames, day/month swaps, outdated postcodes); NHS numbers are withheld so the probabilistic
step does all the work. Every council record's true person is known, so precision, recall and F1
are exact. Budget (design.md): 1M against 3M within 10 minutes, F1 >= 0.99 for automatic links.
Results: benchmarks/results/linkage.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RESULTS = Path(__file__).parent / "results" / "linkage.json"


def population(people: int, seed: int) -> pa.Table:
    from caretrust.synthetic import SyntheticConfig
    from caretrust.synthetic.generator import _identity, chunk_plan, horizon_for
    from caretrust.synthetic.identifiers import prefixed_ids
    from caretrust.synthetic.people import make_people

    cfg = SyntheticConfig(people=people // 2, seed=seed)
    parts = []
    for number, area, first, size in chunk_plan(cfg):
        rng = np.random.default_rng([seed, number, first])
        baseline = make_people(area, size, horizon_for(cfg, area).start, rng)
        global_index = np.arange(first, first + size)
        ids = prefixed_ids("P", global_index + 1, 7)
        identity = _identity(ids, baseline, global_index)
        parts.append(
            pa.table(
                {
                    "unique_id": ids,
                    "given_name": identity["given_name"],
                    "family_name": identity["family_name"],
                    "birth": pa.array(np.asarray(baseline.birth).astype("datetime64[D]")),
                    "sex": pa.array(np.where(baseline.sex == 0, "female", "male")),
                    "postcode": pa.array(baseline.postcode, pa.string()),
                    "previous_postcode": identity["previous_postcode"],
                }
            )
        )
    return pa.concat_tables(parts)


def council_sample(people: pa.Table, n: int, seed: int) -> pa.Table:
    from caretrust.synthetic.config import NoiseConfig
    from caretrust.synthetic.noise import apply_noise

    rng = np.random.default_rng(seed + 99)
    rows = np.sort(rng.choice(people.num_rows, size=n, replace=False))
    sample = people.take(pa.array(rows))
    obj = lambda c: sample[c].to_numpy(zero_copy_only=False).astype(object)  # noqa: E731
    noisy = apply_noise(
        {
            "nhs_number": np.full(n, "", dtype=object),
            "given_name": obj("given_name"),
            "family_name": obj("family_name"),
            "birth": sample["birth"].to_numpy(zero_copy_only=False).astype("datetime64[D]"),
            "postcode": obj("postcode"),
            "previous_postcode": obj("previous_postcode"),
        },
        NoiseConfig(),
        rng,
    )
    return pa.table(
        {
            "unique_id": pa.array([f"C{i:07d}" for i in range(n)]),
            "true_id": sample["unique_id"],
            "given_name": pa.array(list(noisy["given_name"]), pa.string()),
            "family_name": pa.array(list(noisy["family_name"]), pa.string()),
            "birth": pa.array(noisy["birth"]),
            "sex": sample["sex"],
            "postcode": pa.array(list(noisy["postcode"]), pa.string()),
        }
    )


def standard(table: pa.Table) -> pa.Table:
    from caretrust.people import matching

    table = table.set_column(
        table.column_names.index("birth"), "birth", pc.cast(table["birth"], pa.date32())
    )
    return matching.standardise(
        table,
        "unique_id",
        {
            "given_name": "given_name",
            "family_name": "family_name",
            "birth_date": "birth",
            "sex": "sex",
            "postcode": "postcode",
        },
    )


def scores(best: pa.Table, truth: dict[str, str], total: int, threshold: float) -> dict:
    chosen = best.filter(pc.greater_equal(best["match_probability"], threshold))
    left, right = chosen["unique_id_l"].to_pylist(), chosen["unique_id_r"].to_pylist()
    true_positive = sum(1 for lid, rid in zip(left, right, strict=True) if truth[rid] == lid)
    precision = true_positive / max(len(left), 1)
    recall = true_positive / total
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {
        "threshold": threshold,
        "links": len(left),
        "true_links": true_positive,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--council", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save-model", action="store_true")
    parser.add_argument(
        "--pretrained",
        action="store_true",
        help="Use the shipped model (people/linkage_model.json) instead of training on this run.",
    )
    args = parser.parse_args()
    from caretrust.people import matching

    timings: dict[str, float] = {}
    # Other work on the same 2 cores slows every stage: the load average goes in the result.
    load_at_start = os.getloadavg()
    start = time.perf_counter()
    people = population(args.people, args.seed)
    council = council_sample(people, args.council, args.seed)
    truth = dict(zip(council["unique_id"].to_pylist(), council["true_id"].to_pylist(), strict=True))
    timings["generate"] = time.perf_counter() - start
    print(f"generate: {timings['generate']:.1f} s", flush=True)
    start = time.perf_counter()
    left, right = standard(people), standard(council)
    del people
    timings["standardise"] = time.perf_counter() - start
    print(f"standardise: {timings['standardise']:.1f} s", flush=True)
    start = time.perf_counter()
    model = matching.build_linker(left, right, train=not args.pretrained)
    timings["train" if not args.pretrained else "load_model"] = time.perf_counter() - start
    print(f"model ready: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    pairs = matching.predict(model, threshold=matching.LOWER)
    best = matching.best_per_right(pairs)
    timings["predict"] = time.perf_counter() - start
    print(f"predict: {timings['predict']:.1f} s", flush=True)
    linkage_seconds = sum(v for k, v in timings.items() if k != "generate")
    result = {
        "people": left.num_rows,
        "council_records": right.num_rows,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "linkage_seconds": round(linkage_seconds, 1),
        "candidate_pairs_at_or_above_lower": pairs.num_rows,
        "automatic": scores(best, truth, right.num_rows, matching.UPPER),
        "automatic_plus_review": scores(best, truth, right.num_rows, matching.LOWER),
        "threshold_curve": [
            scores(best, truth, right.num_rows, t) for t in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)
        ],
        "for_review": int(
            pc.sum(
                pc.and_(
                    pc.greater_equal(best["match_probability"], matching.LOWER),
                    pc.less(best["match_probability"], matching.UPPER),
                )
            ).as_py()
            or 0
        ),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "thresholds": {"upper": matching.UPPER, "lower": matching.LOWER},
        "within_budget": linkage_seconds <= 600,
        "model": "shipped, trained once on the synthetic population"
        if args.pretrained
        else f"trained on this run: a seeded sample of at most {matching.TRAINING_RECORDS:,} "
        f"records per side, u from {matching.U_MAX_PAIRS:,.0f} random pairs",
        "load_average_1_5_15_min": {
            "start": [round(x, 2) for x in load_at_start],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "note": "NHS numbers withheld from the council records: probabilistic step only.",
    }
    if args.save_model:
        matching.save_model(model)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = RESULTS.with_name("linkage_pretrained.json") if args.pretrained else RESULTS
    results.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
