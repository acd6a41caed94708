"""Carer and capacity pages through the web client: the person page links to them, forms keep
input and show NHS.UK errors, and the pages are refused without a relationship."""

from __future__ import annotations

import pytest

from caretrust.carers.models import Carer


@pytest.fixture
def edith(demo_directory):
    from caretrust.portal.demo import load_demo_people

    return load_demo_people()


def test_person_page_has_carers_and_capacity_sections(client, edith, user_for) -> None:
    client.force_login(user_for("gp"))
    page = client.get(f"/people/{edith.ref}/").content.decode()
    assert "Add a carer" in page
    assert "Susan Smith (authorised carer in the portal)" in page
    assert "Capacity and consent" in page
    assert "Record a capacity assessment" in page
    assert "Record a best-interests decision" in page
    assert "Record a lasting power of attorney" in page
    assert page.count("<h2>Carers</h2>") == 1


def test_add_a_carer_keeps_input_and_shows_errors(client, edith, user_for) -> None:
    client.force_login(user_for("gp"))
    url = f"/carers/for/{edith.ref}/new/"
    response = client.post(url, {"name": "Susan Smith", "own_record": "yes", "given_name": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#given_name"' in page
    assert 'value="Susan Smith"' in page
    assert not Carer.objects.exists()
    response = client.post(
        url,
        {
            "name": "Susan Smith",
            "relationship": "daughter",
            "own_record": "yes",
            "given_name": "Susan",
            "family_name": "Smith",
            "birth_date": "01/02/1968",
        },
    )
    carer = Carer.objects.get()
    assert response.status_code == 302 and response.url == f"/carers/{carer.uuid}/"
    assert carer.carer_person.birth_date.year == 1968


def test_no_relationship_is_refused(client, edith, user_for) -> None:
    client.force_login(user_for("nurse"))
    assert client.get(f"/carers/for/{edith.ref}/new/").status_code == 403
    assert client.get(f"/capacity/for/{edith.ref}/assessment/").status_code == 403


@pytest.mark.slow
def test_capacity_form_and_best_interests_without_assessment(client, edith, user_for) -> None:
    client.force_login(user_for("gp"))
    page = client.get(f"/capacity/for/{edith.ref}/best-interests/").content.decode()
    assert "There is no such assessment for Edith" in page
    response = client.post(f"/capacity/for/{edith.ref}/assessment/", {"decision": "Where to live"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#category"' in page and 'href="#impairment"' in page


def test_a_bad_assessment_parameter_is_not_an_error(client, edith, user_for) -> None:
    client.force_login(user_for("gp"))
    response = client.get(f"/carers/for/{edith.ref}/new/?name=Tom&assessment=not-a-uuid")
    assert response.status_code in (200, 400)
