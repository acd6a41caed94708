"""SAC tables added by ADR 104 on the hand-made year of test_sac.py (2025-26), counted by hand.

SG1c (pathways.md §1 [S]: SG1a-c count each person once a year): the adults with an s42
enquiry started in the year are A and C. A is recorded (through "Correct details") as White:
English, Welsh, Scottish, Northern Irish or British; she had two s42 enquiries started in the
year and counts once. C's ethnic group was never asked: "Not known". SG1c = 1 + 1 = SG1a's 2.

SG2a_b1 (type of risk by location, NHS Digital's SAC processing code): the s42 enquiries
concluded in the year are A's first (physical + financial, own home), C's (neglect, residential
care home) and E's (self-neglect, own home): four cells of one each.

SG5 (Care Act s44; SG5a/SG5b column names from NHS Digital's SAC processing code), reviews the
board decided to hold in 2025-26:
- C: mandatory, C died, decided 1 Sep 2025, board reference "Adult C" -> one review, died.
- B and D: one discretionary review of a care home, "Oakview House" (typed "oakview  house" for
  D: the same review), both survived -> one review, no one died; two adults who survived.
- E: discretionary, decided 20 Mar 2025: the year before, not counted.
- A: mandatory, survived, decided 1 Apr 2026: the year after, not counted.
SG5a: mandatory 0 / 1 (no one died / one or more died); discretionary 1 / 0.
SG5b: died 1, survived 2.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.people import services as people
from caretrust.people.models import Person
from caretrust.safeguarding import sac, services
from caretrust.safeguarding.models import Concern, SafeguardingAdultsReview

from .test_sac import _table, year  # noqa: F401  (the hand-made year, a fixture)

pytestmark = pytest.mark.django_db


def _concern_of(given: str) -> Concern:
    return Concern.objects.filter(person__given_name=given).order_by("received_on").first()


def _review(settings, user_for, given, today, **kw) -> SafeguardingAdultsReview:
    settings.CARETRUST_TODAY = today
    return services.record_review(actor=user_for("socialworker"), concern=_concern_of(given), **kw)


def test_sg1c_each_adult_once_by_ethnic_group(year, user_for) -> None:  # noqa: F811
    a = Person.objects.get(given_name="A")
    people.correct_demographics(
        actor=user_for("coordinator"),
        person=a,
        expected_version=a.version,
        reason="Asked A how she describes her ethnic group",
        ethnicity=Person.Ethnicity.WHITE_BRITISH,
    )
    figures = sac.figures(year)
    sg1c = {row: n for (row, _), n in _table(figures, "SG1c").items() if n}
    assert sg1c == {
        "White: English, Welsh, Scottish, Northern Irish or British": 1,  # A, twice in SG1f
        "Not known": 1,  # C, never asked
    }
    assert sum(_table(figures, "SG1c").values()) == sum(_table(figures, "SG1a").values()) == 2
    # Every category is a row of the return (the CSV has every row, zero or not).
    assert len(_table(figures, "SG1c")) == len(Person.Ethnicity.choices)


def test_an_ethnic_group_outside_the_list_is_refused(year, user_for) -> None:  # noqa: F811
    a = Person.objects.get(given_name="A")
    with pytest.raises(ValidationError):
        people.correct_demographics(
            actor=user_for("coordinator"),
            person=a,
            expected_version=a.version,
            reason="typo",
            ethnicity="martian",
        )


def test_sg2a_b1_type_by_location(year) -> None:  # noqa: F811
    cells = {key: n for key, n in _table(sac.figures(year), "SG2a_b1").items() if n}
    assert cells == {
        ("Physical abuse", "Own home"): 1,  # A
        ("Financial or material abuse", "Own home"): 1,  # A
        ("Neglect and acts of omission", "Care home: residential"): 1,  # C
        ("Self-neglect", "Own home"): 1,  # E
    }


def test_sg5_reviews_and_the_adults_in_them(year, settings, user_for) -> None:  # noqa: F811
    _review(
        settings,
        user_for,
        "C",
        "2025-09-02",
        basis="mandatory",
        decided_on=date(2025, 9, 1),
        adult_died=True,
        sab_reference="Adult C",
    )
    for given, reference in (("B", "Oakview House"), ("D", "oakview  house")):
        _review(
            settings,
            user_for,
            given,
            "2026-03-25",
            basis="discretionary",
            decided_on=date(2026, 3, 24),
            adult_died=False,
            sab_reference=reference,
        )
    _review(
        settings,
        user_for,
        "E",
        "2025-03-20",
        basis="discretionary",
        decided_on=date(2025, 3, 20),
        adult_died=False,
    )
    _review(
        settings,
        user_for,
        "A",
        "2026-04-02",
        basis="mandatory",
        decided_on=date(2026, 4, 1),
        adult_died=False,
    )
    figures = sac.figures(year)
    assert _table(figures, "SG5a") == {
        ("Mandatory: section 44(1) to (3)", "Where no individuals died"): 0,
        ("Mandatory: section 44(1) to (3)", "Where one or more individuals died"): 1,
        ("Discretionary: section 44(4)", "Where no individuals died"): 1,
        ("Discretionary: section 44(4)", "Where one or more individuals died"): 0,
    }
    assert _table(figures, "SG5b") == {
        ("Individuals", "Who suffered serious harm and died"): 1,
        ("Individuals", "Who suffered serious harm and survived"): 2,
    }
    csv_text = sac.as_csv(year, figures)
    assert "2025-26,SG5b,Individuals,Who suffered serious harm and survived,2" in csv_text
    assert "2025-26,SG1c,Not known,Individuals with section 42 enquiries,2" in csv_text  # A and C


def test_a_review_needs_basis_date_and_death_and_no_future(year, settings, user_for) -> None:  # noqa: F811
    settings.CARETRUST_TODAY = "2026-03-01"
    with pytest.raises(ValidationError) as problem:
        services.record_review(
            actor=user_for("socialworker"),
            concern=_concern_of("C"),
            basis="",
            decided_on=date(2026, 3, 2),
            adult_died=None,
        )
    assert set(problem.value.message_dict) == {"basis", "decided_on", "adult_died"}
    assert not SafeguardingAdultsReview.objects.exists()


def test_the_safeguarding_lead_records_a_review_by_clicking(year, client, user_for) -> None:  # noqa: F811
    concern = _concern_of("C")
    page_url = reverse("safeguarding:concern", args=[concern.uuid])
    # The nurse raised it and may read it, but records no review: no link, and 403.
    client.force_login(user_for("nurse"))
    assert "Record a Safeguarding Adults Review" not in client.get(page_url).content.decode()
    assert client.get(reverse("safeguarding:review", args=[concern.uuid])).status_code == 403

    client.force_login(user_for("socialworker"))  # in the council's safeguarding team
    html = client.get(page_url).content.decode()
    href = reverse("safeguarding:review", args=[concern.uuid])
    assert f'href="{href}"' in html and "Record a Safeguarding Adults Review" in html
    assert client.get(href).status_code == 200
    bad = client.post(href, {"basis": "mandatory", "decided_on": "31/02/2026"})
    assert bad.status_code == 400
    assert "Enter the date like 15/12/2026" in bad.content.decode()
    assert "Say whether the adult died" in bad.content.decode()
    done = client.post(
        href,
        {
            "basis": "mandatory",
            "decided_on": "01/09/2025",
            "adult_died": "yes",
            "sab_reference": "",
        },
    )
    assert done.status_code == 302
    review = SafeguardingAdultsReview.objects.get()
    assert (review.basis, review.decided_on, review.adult_died) == (
        "mandatory",
        date(2025, 9, 1),
        True,
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type__icontains="safeguardingadultsreview",
        actor=user_for("socialworker"),
    ).exists()
    shown = client.get(page_url).content.decode()
    assert "Mandatory: section 44(1) to (3)" in shown and "Died" in shown
