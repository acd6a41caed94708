"""`caretrust link`: two extracts in, candidate pairs with probabilities out."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from caretrust.cli import app

PEOPLE = [
    ("1", "Margaret", "Oakley", "1938-05-14", "F", "TQ2 5AB"),
    ("2", "Harold", "Pennington", "1944-11-02", "M", "TQ4 6CD"),
    ("3", "Sandra", "Whitlock", "1952-07-30", "F", "TQ1 3EF"),
    ("4", "Dennis", "Ashworth", "1949-01-09", "M", "TQ5 9GH"),
    ("5", "Ivy", "Treloar", "1933-12-24", "F", "PL1 2AB"),
]


def test_link_two_extracts_with_different_date_formats(tmp_path: Path) -> None:
    left = tmp_path / "left.csv"
    with left.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rid", "first", "last", "dob", "sex", "pc"])
        writer.writerows(PEOPLE)
    # the council writes DD/MM/YYYY and YYYYMMDD, lower-case postcodes, and one typo
    right = tmp_path / "right.parquet"
    pq.write_table(
        pa.table(
            {
                "rid": ["a", "b", "c"],
                "first": ["Margaret", "Harold", "Zebedee"],
                "last": ["Oakley", "Penington", "Quartermaine"],
                "dob": ["14/05/1938", "19441102", "2001-06-06"],
                "sex": ["2", "1", "1"],
                "pc": ["tq25ab", "TQ4 6CD", "PL9 9ZZ"],
            }
        ),
        right,
    )
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app,
        [
            "link",
            str(left),
            str(right),
            "--out",
            str(out),
            "--id",
            "rid",
            "--columns",
            "given_name=first,family_name=last,birth_date=dob,sex=sex,postcode=pc",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    pairs = {(r["left_id"], r["right_id"]): float(r["match_probability"]) for r in rows}
    assert pairs[("1", "a")] > 0.99
    assert pairs[("2", "b")] > 0.5
    assert not any(right_id == "c" for _, right_id in pairs)
    assert "mw_family_name" in rows[0]


def test_link_refuses_unknown_columns(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "link",
            "a.csv",
            "b.csv",
            "--out",
            str(tmp_path / "o.csv"),
            "--id",
            "id",
            "--columns",
            "given_name=a,shoe_size=b",
        ],
    )
    assert result.exit_code != 0
    assert "shoe_size" in result.output
