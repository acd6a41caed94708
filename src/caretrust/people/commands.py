"""`caretrust link`: link two person extracts with the same Splink model the web app uses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caretrust.people.matching import COLUMNS


def _read(path: Path):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix.lower() == ".parquet" or path.is_dir():
        return pq.read_table(path)
    # Everything as text: identifiers and dates must not be reinterpreted.
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig").strip()
    names = next(iter(__import__("csv").reader([header])))
    options = pacsv.ConvertOptions(column_types={name: pa.string() for name in names})
    return pacsv.read_csv(path, convert_options=options)


def parse_columns(spec: str) -> dict[str, str]:
    columns: dict[str, str] = {}
    for part in spec.split(","):
        ours, _, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if ours not in COLUMNS or not theirs:
            raise typer.BadParameter(
                f"{part!r}: use name=COLUMN with name one of {', '.join(COLUMNS)}"
            )
        columns[ours] = theirs
    missing = {"given_name", "family_name", "birth_date"} - set(columns)
    if missing:
        raise typer.BadParameter(f"--columns needs {', '.join(sorted(missing))}")
    return columns


def link(
    left: Annotated[Path, typer.Argument(help="First extract (CSV or Parquet).")],
    right: Annotated[
        Path | None,
        typer.Argument(help="Second extract (CSV or Parquet); not used with --mode dedupe."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Pairs file (.csv or .parquet).")] = Path(
        "pairs.csv"
    ),
    id_column: Annotated[str, typer.Option("--id", help="Record id column in every file.")] = "id",
    columns: Annotated[
        str,
        typer.Option(
            help="given_name=COL,family_name=COL,birth_date=COL[,sex=COL][,postcode=COL]"
            "[,address=COL][,town=COL][,nhs_number=COL]"
        ),
    ] = "",
    mode: Annotated[
        str,
        typer.Option(
            help="link: pairs across the two files; dedupe: duplicates within one file; "
            "link-dedupe: both, over two files. Each pair is written once, never a record "
            "with itself."
        ),
    ] = "link",
    threshold: Annotated[float, typer.Option(help="Lowest match probability written.")] = 0.5,
    best_only: Annotated[
        bool,
        typer.Option("--best-only", help="Only the best left match for each right record (link)."),
    ] = False,
    train: Annotated[
        bool | None,
        typer.Option(
            "--train/--shipped-model",
            help="Train on the extract, or use the shipped model. Default: train when the "
            "extract has at least 1,000 records (the smaller file when linking).",
        ),
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            help="CSV of known true pairs (two id columns, left then right): prints the share "
            "the blocking rules reach and precision, recall and F1 at the automatic threshold."
        ),
    ] = None,
    clusters: Annotated[
        Path | None,
        typer.Option(
            help="Also write each record's cluster (records joined by automatic links) to this "
            "CSV: the answer of a deduplication."
        ),
    ] = None,
) -> None:
    """Link or deduplicate person extracts; write candidate pairs with their match probability.

    Address (first line) and town are compared only when every extract has them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from caretrust.people import matching

    if mode not in matching.MODES:
        raise typer.BadParameter(f"--mode {mode!r}: use one of {', '.join(matching.MODES)}")
    if not columns:
        raise typer.BadParameter("--columns is required")
    paths = [left] if mode == "dedupe" else [left, right]
    if mode != "dedupe" and right is None:
        raise typer.BadParameter(f"--mode {mode} needs two files")
    if best_only and mode != "link":
        raise typer.BadParameter("--best-only applies to --mode link")
    mapping = parse_columns(columns)
    tables = []
    for path in paths:
        table = _read(path)
        absent = [c for c in [id_column, *mapping.values()] if c not in table.column_names]
        if absent:
            raise typer.BadParameter(f"{path} has no column {absent[0]!r}")
        tables.append(matching.standardise(table, id_column, mapping))
    model = matching.build_linker(*tables, mode=mode, train=train)
    typer.echo(f"mode {mode}; model: {model.choice}")
    records = sum(t.num_rows for t in tables)
    exact = records <= 200_000
    typer.echo(
        f"candidate pairs from blocking: {matching.candidate_pairs(model, exact=exact):,}"
        + ("" if exact else " (estimated from a 5% sample of records)")
    )
    if truth is not None:
        true_pairs = [tuple(r.values())[:2] for r in _read(truth).to_pylist()]
        reached = matching.blocking_recall(model, true_pairs)
        typer.echo(
            f"true pairs reached by blocking: {reached['blocked']:,} of {reached['true_pairs']:,}"
            f" ({reached['recall']:.2%})"
        )
    pairs = matching.predict(model, threshold=threshold)
    if best_only:
        pairs = matching.best_per_right(pairs)
    sources = ["source_dataset_l", "source_dataset_r"] if mode == "link-dedupe" else []
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"] + [
        c for c in pairs.column_names if c.startswith("mw_")
    ]
    written = pairs.select(keep + sources).rename_columns(
        ["left_id", "right_id", *keep[2:], *("left_file", "right_file")[: len(sources)]]
    )
    for column in ("left_file", "right_file")[: len(sources)]:
        index = written.column_names.index(column)
        named = pc.replace_substring(written[column], "_records", "")
        written = written.set_column(index, column, named)
    written = written.sort_by([("match_probability", "descending")])
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        pq.write_table(written, out)
    else:
        pacsv.write_csv(written, out)
    automatic = pc.sum(pc.greater_equal(written["match_probability"], matching.UPPER)).as_py()
    typer.echo(
        f"{written.num_rows} pairs written to {out} ({automatic or 0} at or above "
        f"{matching.UPPER}); model {'trained on these extracts' if model.trained else 'default'}"
    )
    if truth is not None:
        automatic_pairs = {
            p
            for p, probability in zip(
                zip(written["left_id"].to_pylist(), written["right_id"].to_pylist(), strict=True),
                written["match_probability"].to_pylist(),
                strict=True,
            )
            if probability >= matching.UPPER
        }
        scores = matching.pair_scores(automatic_pairs, true_pairs, symmetric=mode != "link")
        typer.echo(
            f"at {matching.UPPER}: precision {scores['precision']:.4f}, recall "
            f"{scores['recall']:.4f}, F1 {scores['f1']:.4f}"
        )
    if clusters is not None:
        groups = matching.clusters(pairs, matching.UPPER)
        ids = [
            (s.replace("_records", ""), i)
            for t, s in zip(tables, ("left_records", "right_records"), strict=False)
            for i in t["unique_id"].to_pylist()
        ]
        numbers, next_number = [], len(set(groups.values()))
        for source, record in ids:
            key = (f"{source}_records" if mode == "link-dedupe" else "", record)
            if key in groups:
                numbers.append(groups[key])
            else:  # a record with no automatic link is a cluster of its own
                numbers.append(next_number)
                next_number += 1
        table = pa.table(
            {"file": [s for s, _ in ids], "id": [i for _, i in ids], "cluster": numbers}
        )
        pacsv.write_csv(table, clusters)
        typer.echo(f"{len(set(numbers)):,} clusters written to {clusters}")


def register(app: typer.Typer) -> None:
    app.command()(link)
