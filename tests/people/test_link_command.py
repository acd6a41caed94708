"""`caretrust link`: two extracts in, candidate pairs with probabilities out."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
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
    rows = _link(
        tmp_path,
        left,
        right,
        "given_name=first,family_name=last,birth_date=dob,sex=sex,postcode=pc",
    )
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


def _link(tmp_path: Path, left: Path, right: Path, columns: str, *extra: str) -> list[dict]:
    out = tmp_path / f"pairs-{len(list(tmp_path.glob('pairs-*')))}.csv"
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
            columns,
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(out.open()))


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


NAMES = "given_name=first,family_name=last,birth_date=dob,sex=sex"
HEADER = ["rid", "first", "last", "dob", "sex", "addr", "town"]
# Two different men with the same name and date of birth in the index, at different addresses.
NAMESAKES = [
    ("1", "John", "Smith", "1950-03-03", "M", "12 High Street, Preston", "Paignton"),
    ("2", "John", "Smith", "1950-03-03", "M", "Flat 3, 40 Mill Lane", "Paignton"),
] + [(*p[:5], f"{i} Church Road", "Torquay") for i, p in enumerate(PEOPLE, start=1)]


@pytest.mark.slow
def test_address_tells_apart_two_people_with_the_same_name_and_birth_date(
    tmp_path: Path,
) -> None:
    left = _write(tmp_path / "left.csv", HEADER, NAMESAKES)
    # the council spells the street type short and leaves out the locality
    right = _write(
        tmp_path / "right.csv",
        HEADER,
        [("a", "John", "Smith", "03/03/1950", "1", "12 High St.", "Paignton")],
    )
    without = {(r["left_id"], r["right_id"]): r for r in _link(tmp_path, left, right, NAMES)}
    # names, date of birth and sex alone cannot choose between them
    assert without[("1", "a")]["match_probability"] == without[("2", "a")]["match_probability"]

    columns = f"{NAMES},address=addr,town=town"
    pairs = {(r["left_id"], r["right_id"]): r for r in _link(tmp_path, left, right, columns)}
    right_one, namesake = pairs[("1", "a")], pairs[("2", "a")]
    assert float(right_one["match_probability"]) > float(namesake["match_probability"])
    assert float(right_one["mw_address"]) > 0 > float(namesake["mw_address"])
    assert float(right_one["mw_town"]) == float(namesake["mw_town"]) > 0
    best = _link(tmp_path, left, right, columns, "--best-only")
    assert [(r["left_id"], r["right_id"]) for r in best] == [("1", "a")]


def test_addresses_on_one_side_only_link_exactly_as_without_them(tmp_path: Path) -> None:
    left = _write(tmp_path / "left.csv", HEADER, NAMESAKES)
    # the council extract has the columns but never fills them in
    right = _write(
        tmp_path / "right.csv",
        HEADER,
        [
            ("a", "John", "Smith", "03/03/1950", "1", "", ""),
            ("b", "Harold", "Penington", "19441102", "1", "", ""),
        ],
    )
    plain = _link(tmp_path, left, right, NAMES)
    with_columns = _link(tmp_path, left, right, f"{NAMES},address=addr,town=town")
    assert with_columns == plain
    assert "mw_address" not in plain[0] and "mw_town" not in plain[0]
