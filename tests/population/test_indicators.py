"""Each indicator on a tiny world whose answer is worked out in the comments."""

import datetime as dt

import pandas as pd
import pytest

from caretrust.population import connect
from caretrust.population.indicators import Scope, compute_indicator, publish
from tests.population.contract import World

D = dt.date
JAN_FEB = Scope(start=D(2023, 1, 1), end=D(2023, 2, 28), grain="month")
FY2023 = Scope(start=D(2023, 4, 1), end=D(2024, 3, 31), grain="year")


def run(tmp_path, world, indicator, scope):
    return compute_indicator(connect(world.write(tmp_path)), indicator, scope)


def row(frame, group="north", period=None):
    chosen = frame[frame.group == group]
    if period is not None:
        chosen = chosen[chosen.period_start == period]
    assert len(chosen) == 1
    return chosen.iloc[0]


def emergency_world():
    w = World()
    a0, a1, _, _ = w.people(4, D(1953, 1, 1), "A")  # 70: in every month's population
    young = w.person("Y", D(1959, 6, 1))  # 63: out of the 65+ numerator and denominator
    opted = w.person("O", D(1950, 1, 1), opted_out=True)
    dead = w.person("X", D(1943, 1, 1), death=D(2023, 1, 10))  # dies before mid-January
    turns65 = w.person("T", D(1958, 1, 20))  # 64 on 16 Jan (mid-month), 65 when admitted
    w.spell(a0, D(2023, 1, 5), D(2023, 1, 9))  # 4 bed days, Jan
    w.spell(a1, D(2023, 1, 20), D(2023, 2, 2))  # admitted Jan, 13 bed days ending Feb
    w.spell(a0, D(2023, 2, 3), D(2023, 2, 3))  # same day: 0 bed days
    w.spell(young, D(2023, 1, 7), D(2023, 1, 8))
    w.spell(opted, D(2023, 1, 8), D(2023, 1, 9))
    w.spell(dead, D(2023, 1, 3), D(2023, 1, 3))
    w.spell(turns65, D(2023, 1, 25), D(2023, 1, 26))  # 1 bed day, Jan
    w.spell(a0, D(2023, 1, 10), D(2023, 1, 12), kind="elective_admission")
    return w


def test_emergency_admissions_65_per_100k(tmp_path, backend):
    frame = run(tmp_path, emergency_world(), "emergency_admissions_65", JAN_FEB)
    jan, feb = row(frame, period=D(2023, 1, 1)), row(frame, period=D(2023, 2, 1))
    # Jan: a0, a1, the person who died, the new 65-year-old = 4; population 65+ at 16 Jan = 4
    assert (jan.numerator, jan.denominator, jan.value) == (4, 4, 100_000)
    # Feb: a0 again; population at 14 Feb = the four plus the new 65-year-old
    assert (feb.numerator, feb.denominator, feb.value) == (1, 5, 20_000)


def test_emergency_bed_days_65_per_1000(tmp_path, backend):
    frame = run(tmp_path, emergency_world(), "emergency_bed_days_65", JAN_FEB)
    jan, feb = row(frame, period=D(2023, 1, 1)), row(frame, period=D(2023, 2, 1))
    assert (jan.numerator, jan.value) == (4 + 0 + 1, 5 / 4 * 1000)  # by discharge month
    assert (feb.numerator, feb.value) == (13 + 0, 13 / 5 * 1000)


def test_breakdown_by_gp_practice(tmp_path, backend):
    w = World()
    w.person("P1", D(1940, 1, 1), gp="G1")
    p2 = w.person("P2", D(1940, 1, 1), gp="G2")
    w.spell(p2, D(2023, 1, 5))
    frame = run(
        tmp_path,
        w,
        "emergency_admissions_65",
        Scope(start=D(2023, 1, 1), end=D(2023, 1, 31), level="gp_practice"),
    )
    assert row(frame, "G1").numerator == 0  # a population but no admissions: a zero, not a gap
    assert row(frame, "G2").value == 100_000


def test_falls_directly_standardised(tmp_path, backend):
    w = World()
    young_old = w.people(2, D(1956, 1, 1), "Y")  # 67 at 30 Sep 2023: band 65–69, weight 5500
    old_old = w.people(4, D(1941, 1, 1), "O")  # 82: band 80–84, weight 2500
    w.spell(young_old[0], D(2023, 5, 1), dx="S720", cause="W19")
    w.spell(old_old[0], D(2023, 6, 1), dx="S525", cause="W01")
    w.spell(old_old[1], D(2023, 6, 1), dx="S720", cause="X59")  # injury, not a fall
    w.spell(old_old[2], D(2023, 6, 1), dx="S720", cause="W20")  # W20 is outside W00–W19
    w.spell(old_old[3], D(2023, 6, 1), dx="S720", cause="W10", kind="elective_admission")
    frame = run(tmp_path, w, "falls_65_dsr", FY2023)
    result = row(frame)
    assert (result.numerator, result.denominator) == (2, 6)
    # (1/2 × 5500 + 1/4 × 2500) ÷ 19500 (65+ weights) × 100,000
    assert result.value == pytest.approx((2750 + 625) / 19500 * 100_000)


def acsc_world():
    w = World()
    ids = w.people(10, D(1980, 1, 1), "P")
    for pid, dx, kwargs in [
        (ids[0], "I500", {}),  # heart failure: counts
        (ids[1], "I500", {"transfer": True}),  # transfer: excluded
        (ids[2], "J45", {}),  # asthma (3-character code): counts
        (ids[3], "E115", {}),  # diabetes with complication E11.5: counts
        (ids[4], "E119", {}),  # E11.9 is outside E10.0–E14.8
        (ids[5], "F03", {}),  # dementia: in the published NHS OF 2.3.i list
        (ids[6], "I10", {"kind": "elective_admission"}),  # elective: excluded
        (ids[7], "J20", {}),  # acute bronchitis: not without secondary COPD
        (ids[8], "I480", {}),  # paroxysmal atrial fibrillation: in the published list
        (ids[9], "G300", {}),  # Alzheimer's disease with early onset: dementia
    ]:
        w.spell(pid, D(2023, 1, 10), dx=dx, **kwargs)
    return w


def test_avoidable_admissions_chronic_acsc(tmp_path, backend):
    jan = Scope(start=D(2023, 1, 1), end=D(2023, 1, 31))
    frame = run(tmp_path / "a", acsc_world(), "avoidable_admissions", jan)
    # heart failure, asthma, E11.5, dementia F03 and G30.0, atrial fibrillation I48.0
    assert (row(frame).numerator, row(frame).value) == (6, 6 / 10 * 100_000)
    assert row(frame).unit == "per 100,000 per month"


def test_acsc_list_is_the_published_eleven_conditions():
    from caretrust.population.indicators.hospital import acsc_prefixes

    prefixes = acsc_prefixes(False)
    for code in ("I48", "F00", "F01", "F02", "F03", "G30", "B180", "B181", "I20", "J45", "I110"):
        assert code in prefixes
    assert "J20" not in prefixes  # only with a secondary COPD code, which the contract lacks


def test_discharge_to_usual_residence(tmp_path, backend):
    w = World()
    ids = w.people(4, D(1950, 1, 1), "P")
    for pid, code in zip(ids, ["19", "19", "85", "79"], strict=True):
        w.spell(pid, D(2023, 1, 2), D(2023, 1, 6), destination_code=code)
    w.spell(ids[0], D(2023, 1, 28), D(2023, 2, 3), destination_code="54")  # ends in February
    frame = run(tmp_path, w, "discharge_usual_residence", JAN_FEB)
    jan = row(frame, period=D(2023, 1, 1))
    assert (jan.numerator, jan.denominator, jan.value) == (2, 4, 50.0)
    assert row(frame, period=D(2023, 2, 1)).value == 0.0


def test_still_at_home_91_days_after_reablement(tmp_path, backend):
    w = World()
    at_home, died, readmitted, care_home, september, back_home, young = (
        w.person(
            f"P{i}",
            D(1940, 1, 1) if i != 6 else D(1970, 1, 1),
            death=D(2023, 11, 21) if i == 1 else None,
        )
        for i in range(7)
    )
    out = D(2023, 10, 2)  # day 91 = 2024-01-01
    for pid in (at_home, died, readmitted, care_home, back_home, young):
        w.spell(pid, D(2023, 9, 20), out, destination="home_with_reablement", destination_code="19")
    w.spell(september, D(2023, 9, 1), D(2023, 9, 10), destination="home_with_reablement")
    w.spell(readmitted, D(2023, 12, 30), D(2024, 1, 5))  # in hospital on day 91
    w.spell(back_home, D(2023, 11, 1), D(2023, 11, 10))  # readmitted but home again by day 91
    w.social_care(care_home, "service", D(2023, 12, 1), service_type="long_term_nursing")
    frame = run(tmp_path, w, "still_at_home_91", FY2023)
    # cohort: at_home, died, readmitted, care_home, back_home (September and the 53-year-old are
    # out); at home on day 91: at_home and back_home
    result = row(frame)
    assert (result.numerator, result.denominator, result.value) == (2, 5, 40.0)


def test_ascof_permanent_admissions_first_admission_only(tmp_path, backend):
    w = World()
    first, transfer, two_homes, community = w.people(4, D(1950, 1, 1), "C")
    turning65 = w.person("T", D(1959, 2, 1))  # 64 at mid-year (30 Sep), 65 at 31 March 2024
    younger = w.person("Y", D(1983, 1, 1))
    w.social_care(first, "service", D(2023, 6, 1), service_type="long_term_residential")
    w.social_care(
        transfer, "service", D(2022, 5, 1), D(2023, 6, 30), service_type="long_term_residential"
    )
    w.social_care(transfer, "service", D(2023, 7, 1), service_type="long_term_nursing")
    w.social_care(
        two_homes, "service", D(2023, 8, 1), D(2023, 11, 30), service_type="long_term_nursing"
    )
    w.social_care(two_homes, "service", D(2023, 12, 1), service_type="long_term_residential")
    w.social_care(community, "service", D(2023, 6, 1), service_type="long_term_community")
    w.social_care(turning65, "service", D(2023, 5, 1), service_type="long_term_residential")
    w.social_care(younger, "service", D(2023, 9, 1), service_type="long_term_residential")
    ds = connect(w.write(tmp_path))
    older = row(compute_indicator(ds, "ascof_2c", FY2023))
    # numerator: first, two_homes (once), turning65 (65 at the end of the year) = 3
    # denominator: 65+ at mid-year = the four C people
    assert (older.numerator, older.denominator, older.value) == (3, 4, 75_000)
    working_age = row(compute_indicator(ds, "ascof_2b", FY2023))
    assert (working_age.numerator, working_age.denominator) == (1, 2)  # younger; T and Y


def test_supported_at_home_65(tmp_path, backend):
    w = World()
    home, both, ended, care_home, young, last_day = (
        w.person(f"H{i}", D(1945, 1, 1) if i != 4 else D(1973, 1, 1)) for i in range(6)
    )
    w.social_care(home, "service", D(2023, 1, 1), service_type="long_term_community")
    w.social_care(both, "service", D(2023, 1, 1), service_type="long_term_community")
    w.social_care(both, "service", D(2023, 3, 1), service_type="long_term_residential")
    w.social_care(
        ended, "service", D(2023, 1, 1), D(2023, 3, 30), service_type="long_term_community"
    )
    w.social_care(care_home, "service", D(2022, 1, 1), service_type="long_term_nursing")
    w.social_care(young, "service", D(2023, 1, 1), service_type="long_term_community")
    w.social_care(last_day, "service", D(2023, 3, 31), service_type="long_term_community")
    march = Scope(start=D(2023, 3, 1), end=D(2023, 3, 31))
    result = row(run(tmp_path, w, "supported_at_home_65", march))
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)


def test_waits_request_assessment_service(tmp_path, backend):
    w = World()
    r1, r2, r3, r4 = w.people(4, D(1945, 1, 1), "R")
    w.social_care(r3, "assessment", D(2023, 1, 1))  # before the request: ignored
    for pid, requested, assessed, served in [
        (r1, D(2023, 1, 2), D(2023, 1, 12), D(2023, 1, 22)),  # 10 then 10 days
        (r2, D(2023, 1, 5), D(2023, 1, 25), D(2023, 2, 24)),  # 20 then 30
        (r3, D(2023, 1, 10), D(2023, 1, 13), None),  # 3, no service yet
        (r4, D(2023, 1, 15), None, None),  # not yet assessed
    ]:
        w.social_care(pid, "request", requested)
        if assessed:
            w.social_care(pid, "assessment", assessed)
        if served:
            w.social_care(pid, "service", served, service_type="long_term_community")
    ds = connect(w.write(tmp_path))
    jan = Scope(start=D(2023, 1, 1), end=D(2023, 1, 31))

    def value(ind):
        result = row(compute_indicator(ds, ind, jan))
        return result.numerator, result.value

    assert value("wait_request_to_assessment_median") == (3, 10.0)
    assert value("wait_request_to_assessment_p90") == (3, pytest.approx(18.0))  # 10 + 0.8 × 10
    assert value("wait_assessment_to_service_median") == (2, 20.0)
    assert value("wait_assessment_to_service_p90") == (2, pytest.approx(28.0))


def test_publish_suppresses_1_to_7_and_rounds_other_counts_to_5_hes_rule():
    frame = pd.DataFrame(
        {
            "numerator": [0.0, 1.0, 7.0, 8.0, 12.0, 13.0, 20.0],
            "denominator": [100.0, 100.0, 100.0, 100.0, 100.0, 101.0, 6.0],
            "value": [0.0, 1.0, 7.0, 8.0, 12.0, 13 / 101 * 100, 20 / 6 * 100],
            "per": 100.0,
        }
    )
    out = publish(frame)
    assert list(out.suppressed) == [False, True, True, False, False, False, True]
    # HES worked examples: 8 → 10, 12 → 10, 13 → 15, 101 → 100; zero stays zero
    assert out.numerator.tolist()[:1] + out.numerator.tolist()[3:6] == [0, 10, 10, 15]
    assert out.loc[5, "denominator"] == 100
    # a rate is recomputed from the rounded counts, so it cannot undo the rounding
    assert out.loc[5, "value"] == pytest.approx(15.0)
    assert out.value.isna().tolist() == [False, True, True, False, False, False, True]
    assert (out.suppression_rule == "HES rule").all()


def test_a_value_that_is_not_a_plain_ratio_is_kept():
    frame = pd.DataFrame(
        {"numerator": [12.0], "denominator": [900.0], "value": [37.5], "per": [None]}
    )
    out = publish(frame)
    assert (out.numerator[0], out.denominator[0], out.value[0]) == (10, 900, 37.5)


def _localities(numerators, area_numerator):
    rows = [
        {"indicator": "x", "level": "area", "group": "A", "area": "A", "numerator": area_numerator}
    ] + [
        {"indicator": "x", "level": "locality", "group": f"L{i}", "area": "A", "numerator": n}
        for i, n in enumerate(numerators)
    ]
    frame = pd.DataFrame(rows)
    frame["period_start"] = D(2024, 1, 1)
    frame["denominator"] = 1000.0
    frame["value"] = frame.numerator / 10
    frame["per"] = 100.0
    return frame


def test_secondary_suppression_hides_the_next_smallest_locality():
    # L0 (3) is suppressed; area 63 − 40 − 20 would give it back, so L2 (20) goes too
    out = publish(_localities([3.0, 40.0, 20.0], 63.0))
    hidden = dict(zip(out.group, out.suppressed, strict=True))
    assert hidden == {"A": False, "L0": True, "L1": False, "L2": True}


def test_no_secondary_suppression_when_two_localities_are_already_hidden_or_the_area_is():
    out = publish(_localities([3.0, 5.0, 40.0], 48.0))
    assert out.suppressed.tolist() == [False, True, True, False]
    out = publish(_localities([3.0, 2.0], 5.0))
    assert out.suppressed.tolist() == [True, True, True]


def test_zero_is_not_chosen_to_hide_a_cell():
    out = publish(_localities([3.0, 0.0, 30.0, 50.0], 83.0))
    assert dict(zip(out.group, out.suppressed, strict=True)) == {
        "A": False,
        "L0": True,
        "L1": False,
        "L2": True,
        "L3": False,
    }


def test_rates_state_their_period_and_can_be_annualised(tmp_path, backend):
    from caretrust.population.indicators import BY_ID

    ind = BY_ID["emergency_admissions_65"]
    assert ind.unit_for(Scope(start=D(2023, 1, 1), end=D(2023, 1, 31))) == "per 100,000 per month"
    year = Scope(start=D(2023, 4, 1), end=D(2024, 3, 31), grain="year")
    assert ind.unit_for(year) == "per 100,000 per year"
    assert BY_ID["falls_65_dsr"].unit_for(year) == "per 100,000 per year (DSR)"
    assert BY_ID["discharge_usual_residence"].unit_for(year) == "%"
    monthly = run(tmp_path / "m", emergency_world(), "emergency_admissions_65", JAN_FEB)
    annual = Scope(start=D(2023, 1, 1), end=D(2023, 2, 28), annualise=True)
    yearly = run(tmp_path / "y", emergency_world(), "emergency_admissions_65", annual)
    jan_m, jan_y = row(monthly, period=D(2023, 1, 1)), row(yearly, period=D(2023, 1, 1))
    feb_m, feb_y = row(monthly, period=D(2023, 2, 1)), row(yearly, period=D(2023, 2, 1))
    # January 2023: × 365/31; February 2023: × 365/28 (1 February 2023 to 1 February 2024 is
    # 365 days; 29 February 2024 falls in the next year)
    assert jan_y.value == pytest.approx(jan_m.value * 365 / 31)
    assert feb_y.value == pytest.approx(feb_m.value * 365 / 28)
    assert jan_y.unit == "per 100,000 per year, annualised from the month"
    assert jan_y.numerator == jan_m.numerator  # counts are not scaled


def test_discharge_destination_codes_follow_the_data_dictionary():
    from caretrust.population.indicators.hospital import destination_codes, discharge_destinations

    table = discharge_destinations().set_index("code")
    assert table.loc["54", "label"] == "NHS run care home"
    assert table.loc["85", "label"] == "Non-NHS (other than local authority) run care home"
    assert table.loc["19", "category"] == "usual_residence"
    assert set(destination_codes("care_home")) == {"54", "65", "85"}
    assert destination_codes("usual_residence") == ("19",)
    assert destination_codes("died") == ("79",)
    assert table.index.is_unique


def test_synthetic_nursing_home_discharges_use_the_non_nhs_care_home_code():
    from caretrust.synthetic.codes import DISCHARGE_DESTINATION_CODES

    assert DISCHARGE_DESTINATION_CODES["nursing_care"] == "85"
