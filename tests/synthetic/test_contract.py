"""The Parquet tables follow docs/data-contract.md; codes map to eFI deficits."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq

from caretrust.synthetic import EFI_DEFICIT_BY_SNOMED, SyntheticConfig, generate, write
from caretrust.synthetic.codes import EFI_DEFICITS
from caretrust.synthetic.identifiers import is_valid_nhs_number
from caretrust.synthetic.tables import SCHEMAS


def test_tables_have_the_contract_schemas(population):
    for name, schema in SCHEMAS.items():
        assert population.tables[name].schema.equals(schema), name


def test_people_identifiers(population):
    people = population.tables["people"]
    assert people["person_id"][0].as_py() == "P0000001"
    numbers = people["nhs_number"].to_pylist()
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
    assert set(people["area"].to_pylist()) == {"torbay", "comparison_1"}
    assert all(len(code) == 6 and code[0].isalpha() for code in people["gp_practice"].to_pylist())


def test_encounter_values(db):
    assert db.sql("select count(distinct encounter_id) = count(*) from encounters").fetchone()[0]
    kinds = {k for (k,) in db.sql("select distinct kind from encounters").fetchall()}
    assert kinds == {"gp", "ae", "emergency_admission", "elective_admission"}
    destinations = dict(
        db.sql("""select discharge_destination, any_value(discharge_destination_code)
        from encounters where discharge_destination is not null group by 1""").fetchall()
    )
    assert destinations["died"] == "79" and destinations["home"] == "19"
    assert {"home_with_reablement", "residential_care", "nursing_care"} <= set(destinations)
    assert db.sql("select count(*) from encounters where end_date < start_date").fetchone()[0] == 0
    after_death = db.sql("""select count(*) from encounters e join people p using (person_id)
        where e.start_date > p.death_date or e.end_date > p.death_date""").fetchone()[0]
    assert after_death == 0


def test_falls_and_acsc_admissions_are_countable(db):
    falls = db.sql("""select count(*) from encounters where kind = 'emergency_admission'
        and primary_diagnosis between 'S00' and 'T98Z' and external_cause between 'W00' and 'W19Z'
    """).fetchone()[0]
    acsc = db.sql("""select count(*) from encounters where kind = 'emergency_admission'
        and (primary_diagnosis like 'I50%' or primary_diagnosis like 'J44%'
             or primary_diagnosis like 'E11%')""").fetchone()[0]
    admissions = db.sql("select count(*) from encounters where kind = 'emergency_admission'")
    total = admissions.fetchone()[0]
    assert 0.03 < falls / total < 0.15
    assert 0.01 < acsc / total < 0.20


def test_every_condition_code_maps_to_an_efi_deficit(population):
    written = set(population.tables["conditions"]["code"].to_pylist())
    assert written <= set(EFI_DEFICIT_BY_SNOMED)
    assert set(EFI_DEFICIT_BY_SNOMED.values()) <= set(EFI_DEFICITS)
    assert len(set(EFI_DEFICIT_BY_SNOMED.values())) >= 30


def test_social_care_services_have_costs_and_open_ends(db):
    rows = db.sql("""select service_type, count(*), min(unit_cost), count(*) - count(end_date)
        from social_care_events where event_type = 'service' group by 1""").fetchall()
    services = {r[0]: r[1:] for r in rows}
    assert {"long_term_community", "long_term_residential", "long_term_nursing",
            "short_term_st_max"} <= set(services)  # fmt: skip
    assert all(cost > 0 for _, cost, _ in services.values())
    assert services["long_term_community"][2] > 0  # some still open at the end
    closed_non_services = db.sql("""select count(*) from social_care_events
        where event_type != 'service' and end_date is null""").fetchone()[0]
    assert closed_non_services == 0


def test_parquet_files_hold_the_same_as_the_api(tmp_path):
    config = SyntheticConfig(people=1_500, comparison_people=1_500, years=3, seed=2)
    write(config, tmp_path, formats=("parquet",))
    population = generate(config)
    for name, table in population.tables.items():
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(table), name
    truth = pq.read_table(tmp_path / "truth" / "records.parquet")
    assert truth.num_rows == population.truth.num_rows
    assert pc.all(pc.is_in(truth["person_id"], population.tables["people"]["person_id"])).as_py()
