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
    right: Annotated[Path, typer.Argument(help="Second extract (CSV or Parquet).")],
    out: Annotated[Path, typer.Option("--out", help="Pairs file (.csv or .parquet).")],
    id_column: Annotated[str, typer.Option("--id", help="Record id column in both files.")],
    columns: Annotated[
        str,
        typer.Option(
            help="given_name=COL,family_name=COL,birth_date=COL[,sex=COL][,postcode=COL]"
            "[,address=COL][,town=COL][,nhs_number=COL]"
        ),
    ],
    threshold: Annotated[float, typer.Option(help="Lowest match probability written.")] = 0.5,
    best_only: Annotated[
        bool, typer.Option("--best-only", help="Only the best left match for each right record.")
    ] = False,
) -> None:
    """Link two person extracts; write candidate pairs with their match probability.

    Address (first line) and town are compared only when both extracts have them."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from caretrust.people import matching

    mapping = parse_columns(columns)
    tables = []
    for path in (left, right):
        table = _read(path)
        absent = [c for c in [id_column, *mapping.values()] if c not in table.column_names]
        if absent:
            raise typer.BadParameter(f"{path} has no column {absent[0]!r}")
        tables.append(matching.standardise(table, id_column, mapping))
    model = matching.build_linker(tables[0], tables[1])
    pairs = matching.predict(model, threshold=threshold)
    if best_only:
        pairs = matching.best_per_right(pairs)
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"] + [
        c for c in pairs.column_names if c.startswith("mw_")
    ]
    pairs = (
        pairs.select(keep)
        .rename_columns(["left_id", "right_id", *keep[2:]])
        .sort_by([("match_probability", "descending")])
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        pq.write_table(pairs, out)
    else:
        pacsv.write_csv(pairs, out)
    automatic = pc.sum(pc.greater_equal(pairs["match_probability"], matching.UPPER)).as_py()
    typer.echo(
        f"{pairs.num_rows} pairs written to {out} ({automatic or 0} at or above "
        f"{matching.UPPER}); model {'trained on these extracts' if model.trained else 'default'}"
    )


def register(app: typer.Typer) -> None:
    app.command()(link)
