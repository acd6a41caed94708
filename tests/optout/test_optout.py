"""The National Data Opt-out (records.md; ADR 87): the national check returns the NHS numbers
submitted with the opted-out removed; caretrust keeps that as a cohort cleared on a date, re-checks
it before each secondary use, and leaves everyone outside it out of analytics."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caretrust import clock
from caretrust.optout.models import ClearedCohort, ClearedNumber
from caretrust.optout.selectors import (
    StaleCohort,
    cleared_people,
    current_cohort,
    require_current_extract,
    submission_numbers,
)
from caretrust.optout.services import CohortFileError, import_cleared_cohort
from tests.factories import make_person

pytestmark = pytest.mark.django_db

ANN, BOB, CAL = "9434765919", "9434765870", "9434765803"


@pytest.fixture
def people(demo_directory, settings):
    settings.CARETRUST_TODAY = "2026-10-15"
    return {
        "ann": make_person(given_name="Ann", nhs_number=ANN),
        "bob": make_person(given_name="Bob", nhs_number=BOB),
        "cal": make_person(given_name="Cal", nhs_number=CAL),
        "dee": make_person(given_name="Dee"),  # no NHS number: cannot be checked
    }


def _returned(tmp_path: Path, *numbers: str, name: str = "returned.csv") -> Path:
    path = tmp_path / name
    path.write_text("NHS_Number\n" + "".join(f"{n}\n" for n in numbers))
    return path


def test_the_returned_file_is_a_cohort_cleared_on_a_date_imported_once(people, tmp_path):
    assert {ANN, BOB, CAL} <= set(submission_numbers())
    returned = _returned(tmp_path, ANN, "943 476 5803")  # Bob opted out nationally
    first = import_cleared_cohort(path=returned, cleared_on=date(2026, 10, 14))
    assert first.created and first.cohort.numbers_cleared == 2
    again = import_cleared_cohort(path=returned, cleared_on=date(2026, 10, 14))
    assert not again.created and again.cohort == first.cohort
    assert ClearedCohort.objects.count() == 1 and ClearedNumber.objects.count() == 2
    assert set(cleared_people(first.cohort)) == {people["ann"].pk, people["cal"].pk}


def test_a_bad_file_imports_nothing_and_names_line_and_field(people, tmp_path):
    returned = _returned(tmp_path, ANN, "9434765918", ANN)
    with pytest.raises(CohortFileError) as refused:
        import_cleared_cohort(path=returned, cleared_on=date(2026, 10, 14))
    assert refused.value.problems == [
        "returned.csv line 3: NHS_Number: '9434765918' is not a valid NHS number",
        f"returned.csv line 4: NHS_Number: {ANN} is already on line 2",
    ]
    assert not ClearedCohort.objects.exists()
    with pytest.raises(CohortFileError, match="in the future"):
        import_cleared_cohort(path=_returned(tmp_path, ANN), cleared_on=date(2026, 10, 16))


def test_no_check_or_a_stale_one_refuses_secondary_use(people, tmp_path, settings):
    with pytest.raises(StaleCohort, match="No National Data Opt-out check on record"):
        current_cohort("analyst extract")
    import_cleared_cohort(path=_returned(tmp_path, ANN), cleared_on=date(2026, 9, 1))
    settings.CARETRUST_NDOP_MAX_AGE_DAYS = 30
    with pytest.raises(StaleCohort, match="is 44 days old"):
        current_cohort("analyst extract")
    settings.CARETRUST_TODAY = "2026-10-01"
    assert current_cohort("analyst extract").cleared_on == date(2026, 9, 1)


def test_the_analyst_extract_has_only_the_cleared_cohort(people, tmp_path):
    from caretrust.record.export import export_parquet

    with pytest.raises(StaleCohort):
        export_parquet(tmp_path / "refused")
    assert not (tmp_path / "refused" / "people.parquet").exists()

    people["cal"].opted_out_of_secondary_use = True  # told us locally, too
    people["cal"].save(update_fields=["opted_out_of_secondary_use"])
    import_cleared_cohort(path=_returned(tmp_path, ANN, CAL), cleared_on=clock.today())
    stats = export_parquet(tmp_path / "extract")
    exported = pq.read_table(tmp_path / "extract" / "people.parquet").to_pylist()
    # Bob (opted out nationally), Cal (locally) and Dee (no NHS number) are left out.
    assert [p["nhs_number"] for p in exported] == [ANN]
    assert stats.left_out_opted_out >= 3 and stats.ndop_cleared_on == clock.today()
    marker = json.loads((tmp_path / "extract" / "ndop.json").read_text())
    assert marker["cleared_on"] == clock.today().isoformat()


def test_a_newer_or_stale_check_refuses_analytics_on_an_older_extract(people, tmp_path, settings):
    from caretrust.outcomes.services import load_scores
    from caretrust.record.export import export_parquet

    import_cleared_cohort(path=_returned(tmp_path, ANN, BOB), cleared_on=clock.today())
    export_parquet(tmp_path / "extract")
    require_current_extract(tmp_path / "extract", "risk scores")  # current: fine

    # Bob opts out; the next monthly check no longer clears him: the old extract may not be used.
    import_cleared_cohort(path=_returned(tmp_path, ANN, name="next.csv"), cleared_on=clock.today())
    with pytest.raises(StaleCohort, match="export it again"):
        load_scores(data_dir=tmp_path / "extract")

    export_parquet(tmp_path / "again")
    settings.CARETRUST_TODAY = (clock.today() + timedelta(days=31)).isoformat()
    with pytest.raises(StaleCohort, match="31 days old"):
        require_current_extract(tmp_path / "again", "evaluation")
    # Data not made from the record (a generated synthetic place) carries no marker.
    require_current_extract(tmp_path, "evaluation")


def test_the_evaluation_job_refuses_a_stale_extract(people, tmp_path, settings, user_for):
    from caretrust.evaluation.models import Evaluation
    from caretrust.evaluation.services import start_evaluation
    from caretrust.jobs.models import Job
    from caretrust.population.evaluation import EvaluationSpec
    from caretrust.record.export import export_parquet

    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    import_cleared_cohort(path=_returned(tmp_path, ANN), cleared_on=clock.today())
    export_parquet(tmp_path / "evaluation")  # the evaluation reads <analytics>/evaluation
    settings.CARETRUST_TODAY = (clock.today() + timedelta(days=40)).isoformat()

    start_evaluation(
        actor=user_for("analyst"), spec=EvaluationSpec(design="matched_did", start=date(2025, 4, 1))
    )
    job = Job.objects.latest("created_at")
    assert job.status == Job.Status.FAILED
    assert "National Data Opt-out check" in job.error and "40 days old" in job.error
    assert Evaluation.objects.count() == 1


def test_the_commands_submit_import_and_refuse_by_line(people, tmp_path):
    from typer.testing import CliRunner

    from caretrust.cli import app

    runner = CliRunner()
    submitted = tmp_path / "submitted.csv"
    said = runner.invoke(app, ["export", "ndop-submission", str(submitted)])
    assert said.exit_code == 0, said.output
    assert {ANN, BOB, CAL} <= set(submitted.read_text().split())

    bad = _returned(tmp_path, ANN, "12345", name="bad.csv")
    refused = runner.invoke(app, ["import", "ndop", str(bad), "--cleared-on", "2026-10-14"])
    assert refused.exit_code == 1
    assert "bad.csv line 3: NHS_Number: '12345' is not a valid NHS number" in refused.output

    good = _returned(tmp_path, ANN, CAL)
    for expected in ("2 NHS numbers cleared on 2026-10-14", "already imported"):
        said = runner.invoke(app, ["import", "ndop", str(good), "--cleared-on", "2026-10-14"])
        assert said.exit_code == 0 and expected in said.output, said.output
    assert ClearedCohort.objects.count() == 1
