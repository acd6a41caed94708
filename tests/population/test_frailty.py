import datetime as dt

import pytest

from caretrust.population import connect
from caretrust.population.frailty import codelist, efi_category, frailty_scores
from tests.population.contract import World

D = dt.date
AS_OF = D(2024, 3, 31)


@pytest.mark.parametrize(
    ("deficits", "denominator", "category"),
    [
        (0, 36, "fit"),
        (4, 36, "fit"),
        (5, 36, "mild"),
        (8, 36, "mild"),
        (9, 36, "moderate"),
        (12, 36, "moderate"),
        (13, 36, "severe"),
        (36, 36, "severe"),
        (4, 35, "fit"),
        (5, 35, "mild"),
        (12, 35, "moderate"),
        (13, 35, "severe"),
        # with 50 deficits the boundaries sit exactly on 6, 12 and 18: ≤ is inclusive
        (6, 50, "fit"),
        (7, 50, "mild"),
        (12, 50, "mild"),
        (13, 50, "moderate"),
        (18, 50, "moderate"),
        (19, 50, "severe"),
    ],
)
def test_category_boundaries(deficits, denominator, category):
    assert efi_category(deficits, denominator) == category


def test_category_rejects_impossible_counts():
    with pytest.raises(ValueError, match="deficits"):
        efi_category(37, 36)


def test_code_list_is_the_published_one_for_the_35_clegg_deficits():
    frame = codelist()
    assert frame.deficit.nunique() == 35
    assert frame.code_set.nunique() == 35
    assert not frame.duplicated(["deficit", "code"]).any()
    # the GM-SDE SNOMED CT sets hold 2,089 rows (2,040 concepts) against the 2,171 CTV3 codes of
    # Clegg et al.; the old caretrust starter list had 98 codes
    assert len(frame) == 2089
    assert frame.code.nunique() == 2040
    assert frame.code.str.fullmatch(r"\d{6,18}").all()  # SNOMED CT concept ids


def test_a_code_in_two_published_sets_counts_for_both_deficits(tmp_path, backend):
    w = World()
    p = w.person("P1", D(1940, 1, 1))
    w.condition(
        p, "64859006", D(2020, 1, 1)
    )  # osteoporosis: in efi-osteoporosis and efi-fragility-fracture
    ds = connect(w.write(tmp_path))
    frame = ds.execute(frailty_scores(ds, AS_OF))
    assert frame.deficits.tolist() == [2]


def frail_world() -> World:
    w = World()
    f1 = w.person("F1", D(1940, 1, 1))
    for code in ("38341003", "49436004", "5370000", "84114007", "44054006", "161898004"):
        w.condition(f1, code, D(2020, 1, 1))  # 5 deficits: AF and atrial flutter are one
    w.condition(f1, "52448006", D(2024, 4, 1))  # dementia recorded after the date: not yet
    w.condition(f1, "22253000", D(2020, 1, 1))  # pain: not an eFI code
    for i, drug_class in enumerate(("0202", "0204", "0205", "0206", "0212")):
        w.prescription(f1, drug_class, AS_OF - dt.timedelta(days=60 * i))  # over 8 months
    f2 = w.person("F2", D(1950, 6, 1))
    for drug_class in ("0202", "0204", "0205", "0206"):
        w.prescription(f2, drug_class, AS_OF - dt.timedelta(days=364))  # first day of the year
    w.prescription(f2, "0212", AS_OF - dt.timedelta(days=365))  # one day too early
    w.prescription(f2, "0202", AS_OF)  # a repeat of a drug already counted
    w.person("F3", D(1964, 1, 1))  # 60: below the eFI age
    opted = w.person("F4", D(1940, 1, 1), opted_out=True)
    w.condition(opted, "38341003", D(2020, 1, 1))
    w.person("F5", D(1940, 1, 1), death=D(2024, 1, 1))
    return w


def scores(tmp_path, prescriptions=True):
    ds = connect(frail_world().write(tmp_path, prescriptions=prescriptions))
    frame = ds.execute(frailty_scores(ds, AS_OF))
    return frame.set_index("person_id").sort_index()


def test_population_scores_with_polypharmacy(tmp_path, backend):
    frame = scores(tmp_path)
    assert list(frame.index) == ["F1", "F2"]  # F3 too young, F4 opted out, F5 dead
    assert frame.loc["F1", "deficits"] == 6  # 5 coded + polypharmacy
    assert frame.loc["F1", "efi"] == pytest.approx(6 / 36)
    assert frame.loc["F1", "category"] == "mild"
    assert frame.loc["F2", "deficits"] == 0  # 4 different drugs inside the 12 months
    assert (frame.denominator == 36).all()
    assert (frame.polypharmacy_basis == "drug_class").all()


def test_without_prescribing_data_polypharmacy_is_unknown_and_the_denominator_stays_36(
    tmp_path, backend
):
    frame = scores(tmp_path, prescriptions=False)
    assert frame.loc["F1", "deficits"] == 5
    assert frame.loc["F1", "denominator"] == 36
    assert frame.loc["F1", "efi"] == pytest.approx(5 / 36)
    assert frame.loc["F1", "category"] == "mild"
    assert (frame.polypharmacy_basis == "unknown").all()


def test_polypharmacy_counts_different_drugs_when_the_table_has_drug_codes(tmp_path, backend):
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = frail_world().write(tmp_path)
    # five different dm+d medicines, all in one BNF section: five drugs, though one class
    rows = [
        {"person_id": "F2", "drug_class": "0205", "drug_code": code, "issue_date": AS_OF}
        for code in ("318135004", "318136003", "318137007", "318138002", "318139005")
    ]
    pq.write_table(pa.Table.from_pylist(rows), directory / "prescriptions.parquet")
    ds = connect(directory)
    frame = ds.execute(frailty_scores(ds, AS_OF)).set_index("person_id")
    assert frame.loc["F2", "deficits"] == 1
    assert frame.loc["F1", "deficits"] == 5  # F1's prescriptions are gone from this table
    assert (frame.polypharmacy_basis == "drug_code").all()
