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


def test_code_list_covers_the_35_clegg_deficits():
    frame = codelist()
    assert frame.deficit.nunique() == 35
    assert not frame.code.duplicated().any()


def frail_world() -> World:
    w = World()
    f1 = w.person("F1", D(1940, 1, 1))
    for code in ("38341003", "49436004", "5370000", "84114007", "73211009", "161898004"):
        w.condition(f1, code, D(2020, 1, 1))  # 5 deficits: AF and atrial flutter are one
    w.condition(f1, "52448006", D(2024, 4, 1))  # dementia recorded after the date: not yet
    w.condition(f1, "22253000", D(2020, 1, 1))  # pain: not an eFI code
    for i, drug_class in enumerate(("0202", "0204", "0205", "0206", "0212")):
        w.prescription(f1, drug_class, AS_OF - dt.timedelta(days=10 * i))
    f2 = w.person("F2", D(1950, 6, 1))
    for drug_class in ("0202", "0204", "0205", "0206"):
        w.prescription(f2, drug_class, AS_OF - dt.timedelta(days=89))  # first day of the window
    w.prescription(f2, "0212", AS_OF - dt.timedelta(days=90))  # one day too early
    w.person("F3", D(1964, 1, 1))  # 60: below the eFI age
    opted = w.person("F4", D(1940, 1, 1), opted_out=True)
    w.condition(opted, "38341003", D(2020, 1, 1))
    w.person("F5", D(1940, 1, 1), death=D(2024, 1, 1))
    return w


def scores(tmp_path, prescriptions=True):
    ds = connect(frail_world().write(tmp_path, prescriptions=prescriptions))
    frame = ds.execute(frailty_scores(ds, AS_OF))
    return frame.set_index("person_id").sort_index()


def test_population_scores_with_polypharmacy(tmp_path):
    frame = scores(tmp_path)
    assert list(frame.index) == ["F1", "F2"]  # F3 too young, F4 opted out, F5 dead
    assert frame.loc["F1", "deficits"] == 6  # 5 coded + polypharmacy
    assert frame.loc["F1", "efi"] == pytest.approx(6 / 36)
    assert frame.loc["F1", "category"] == "mild"
    assert frame.loc["F2", "deficits"] == 0  # 4 classes inside the 90 days
    assert (frame.denominator == 36).all()


def test_without_prescribing_data_the_denominator_is_35(tmp_path):
    frame = scores(tmp_path, prescriptions=False)
    assert frame.loc["F1", "deficits"] == 5
    assert frame.loc["F1", "denominator"] == 35
    assert frame.loc["F1", "efi"] == pytest.approx(5 / 35)
    assert frame.loc["F1", "category"] == "mild"
