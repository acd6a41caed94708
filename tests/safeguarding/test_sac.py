"""The SAC figures for a small hand-made year (2025-26), counted by hand from the SAC table
definitions (pathways.md §1 [S]: activity *started* in the year for SG1; case details of s42
enquiries *concluded* in the year for SG2-SG4; each adult once in SG1a, aged at the year end).

The year, by hand:
- A (born 1 May 1940, 85 at 31 Mar 2026): concern 10 Apr 2025 -> s42 enquiry 11 Apr 2025
  (physical + financial, own home, known to her), risk identified, action taken, risk reduced,
  outcomes expressed and partially achieved, did not lack capacity; concluded 1 Jun 2025.
  A second concern 1 Feb 2026 -> s42 enquiry 2 Feb 2026, still open at year end.
- B (born 1 Jan 1960, 66): concern 5 May 2025 -> other enquiry (not counted in SG2-SG4),
  concluded 1 Jul 2025.
- C (born 1 Jan 1930, 96): concern 1 Jun 2025 -> s42 enquiry (neglect, care home residential,
  service provider), no risk identified and no action; not asked (lacked capacity; advocate
  unavailable); concluded 1 Aug 2025.
- D: concern 20 Mar 2026 -> no further action.
- E: concern 15 Mar 2025 (year before) -> s42 started 16 Mar 2025, concluded 10 Apr 2025:
  counted in SG2-SG4 of 2025-26 (concluded in it), not in its SG1 (started the year before).
  Self-neglect, own home, risk identified and action, risk removed; not asked (dont_know).

SG1f: concerns 5 (A twice, B, C, D; E's was in 2024-25); s42 enquiries 3 (A twice, C); other 1.
SG1a: individuals with s42 started: A (85-94), C (95+) = 2 (A once though she had two).
Concluded s42 in 2025-26: A's first, C, E = 3.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from caretrust.safeguarding import sac, services
from caretrust.safeguarding.sac import FinancialYear
from tests.factories import make_person, routed_referral

from .conftest import ALL_MET, details

pytestmark = pytest.mark.django_db
NOT_MET = services.Criteria(True, True, False, "Needs", "Risk", "Able to protect self")


def _at(settings, day: str) -> None:
    settings.CARETRUST_TODAY = day


def _concern(settings, user_for, person, day, **kw):
    _at(settings, day)
    return services.raise_concern(actor=user_for("nurse"), person=person, details=details(**kw))


def _decide(settings, user_for, concern, day, route, criteria=ALL_MET):
    _at(settings, day)
    services.decide(
        actor=user_for("socialworker"), concern=concern, criteria=criteria, route=route, reasons="r"
    )


def _close(
    settings,
    user_for,
    concern,
    day,
    *,
    msp,
    outcomes="",
    capacity="",
    risk,
    action,
    result="",
    achieved="",
):
    sw = user_for("socialworker")
    services.record_personal_outcomes(
        actor=sw,
        concern=concern,
        asked=msp,
        desired_outcomes=outcomes,
        not_asked_reason="Lacked capacity; no advocate in time" if msp == "not_asked" else "",
        lacked_capacity=capacity,
    )
    services.record_risk(actor=sw, concern=concern, assessment="Assessed", risk_found=risk)
    if risk == "identified" and action:
        services.add_plan_action(
            actor=sw, concern=concern, action="a", owner="o", due=date(2026, 1, 1)
        )
    _at(settings, day)
    services.conclude(
        actor=sw,
        concern=concern,
        conclusion=services.Conclusion(action, result, achieved, "Outcome"),
    )


@pytest.fixture
def year(demo_directory, user_for, settings):
    def person(given, born):
        p = make_person(given_name=given, family_name="Test", birth_date=born)
        routed_referral(person=p)
        return p

    a, b = person("A", date(1940, 5, 1)), person("B", date(1960, 1, 1))
    c, d, e = (
        person("C", date(1930, 1, 1)),
        person("D", date(1950, 1, 1)),
        person("E", date(1945, 1, 1)),
    )
    # E: started in 2024-25, concluded in 2025-26.
    ce = _concern(
        settings, user_for, e, "2025-03-15", abuse_types=["self_neglect"], source_of_risk="known"
    )
    _decide(settings, user_for, ce, "2025-03-16", "s42")
    _close(
        settings,
        user_for,
        ce,
        "2025-04-10",
        msp="dont_know",
        risk="identified",
        action=True,
        result="removed",
    )
    ca = _concern(settings, user_for, a, "2025-04-10")
    _decide(settings, user_for, ca, "2025-04-11", "s42")
    _close(
        settings,
        user_for,
        ca,
        "2025-06-01",
        msp="expressed",
        outcomes="Stop him",
        capacity="no",
        risk="identified",
        action=True,
        result="reduced",
        achieved="partially",
    )
    cb = _concern(settings, user_for, b, "2025-05-05")
    _decide(settings, user_for, cb, "2025-05-06", "other", NOT_MET)
    _close(
        settings,
        user_for,
        cb,
        "2025-07-01",
        msp="expressed",
        outcomes="Help",
        risk="none",
        action=False,
        achieved="fully",
    )
    cc = _concern(
        settings,
        user_for,
        c,
        "2025-06-01",
        abuse_types=["neglect"],
        location="care_home_residential",
        source_of_risk="service_provider",
    )
    _decide(settings, user_for, cc, "2025-06-02", "s42")
    _close(
        settings,
        user_for,
        cc,
        "2025-08-01",
        msp="not_asked",
        capacity="yes",
        risk="none",
        action=False,
    )
    cd = _concern(settings, user_for, d, "2026-03-20")
    _decide(settings, user_for, cd, "2026-03-23", "nfa", NOT_MET)
    ca2 = _concern(settings, user_for, a, "2026-02-01")
    _decide(settings, user_for, ca2, "2026-02-02", "s42")
    return FinancialYear.parse("2025-26")


def _table(figures, table):
    return {(f.row, f.column): f.value for f in figures if f.table == table}


def test_the_hand_counted_year(year) -> None:
    figures = sac.figures(year)
    sg1f = _table(figures, "SG1f")
    assert sg1f == {
        ("Total", "Safeguarding concerns"): 5,
        ("Total", "Section 42 safeguarding enquiries"): 3,
        ("Total", "Other safeguarding enquiries"): 1,
    }
    sg1a = {row: n for (row, _), n in _table(figures, "SG1a").items() if n}
    assert sg1a == {"85-94": 1, "95+": 1}
    sg2a = {key: n for key, n in _table(figures, "SG2a").items() if n}
    assert sg2a == {
        ("Physical abuse", "Other: known to the individual"): 1,  # A
        ("Financial or material abuse", "Other: known to the individual"): 1,  # A
        ("Neglect and acts of omission", "Service provider"): 1,  # C
        ("Self-neglect", "Other: known to the individual"): 1,  # E
    }
    sg2b = {key: n for key, n in _table(figures, "SG2b").items() if n}
    assert sg2b == {
        ("Own home", "Other: known to the individual"): 2,  # A, E
        ("Care home: residential", "Service provider"): 1,  # C
    }
    sg2c = {row: n for (row, _), n in _table(figures, "SG2c").items() if n}
    assert sg2c == {
        "Risk identified and action taken": 2,  # A, E
        "No risk identified and no action taken": 1,  # C
    }
    sg2e = {row: n for (row, _), n in _table(figures, "SG2e").items() if n}
    assert sg2e == {"Risk reduced": 1, "Risk removed": 1}
    sg3a = {row: n for (row, _), n in _table(figures, "SG3a").items() if n}
    assert sg3a == {
        "No, they did not lack capacity": 1,
        "Yes, they lacked capacity": 1,
        "Not recorded": 1,
    }
    sg4a = {key: n for key, n in _table(figures, "SG4a").items() if n}
    assert sg4a == {
        ("Yes, they were asked and outcomes were expressed", "Concluded section 42 enquiries"): 1,
        ("No, they were not asked", "Concluded section 42 enquiries"): 1,
        ("Don't know", "Concluded section 42 enquiries"): 1,
        ("Partially achieved", "Concluded section 42 enquiries where outcomes were expressed"): 1,
    }


def test_the_csv_for_the_analyst_by_clicking(year, client, user_for) -> None:
    client.force_login(user_for("analyst"))
    page = client.get(reverse("safeguarding:sac") + "?year=2025-26")
    assert page.status_code == 200
    assert reverse("safeguarding:sac_csv", args=["2025-26"]) in page.content.decode()
    response = client.get(reverse("safeguarding:sac_csv", args=["2025-26"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    concerns = [r for r in rows if r["table"] == "SG1f" and r["column"] == "Safeguarding concerns"]
    assert concerns == [
        {
            "financial_year": "2025-26",
            "table": "SG1f",
            "row": "Total",
            "column": "Safeguarding concerns",
            "value": "5",
        }
    ]
    assert client.get(reverse("safeguarding:sac_csv", args=["2025-27"])).status_code == 404


def test_only_the_analyst_role_sees_the_figures(demo_directory, client, user_for) -> None:
    client.force_login(user_for("socialworker"))
    assert client.get(reverse("safeguarding:sac")).status_code == 403


def test_financial_years() -> None:
    assert FinancialYear.containing(date(2026, 3, 31)).label == "2025-26"
    assert FinancialYear.containing(date(2026, 4, 1)).label == "2026-27"
    for bad in ("2025", "2025-27", "25-26", "abcd-ef"):
        with pytest.raises(ValueError):
            FinancialYear.parse(bad)
