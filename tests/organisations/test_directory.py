from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from caretrust.organisations.demo import USERS, load_demo_organisations
from caretrust.organisations.models import Organisation, Team, User


def test_demo_directory_has_one_user_per_role(demo_directory) -> None:
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    assert Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE).count() == 4
    assert Organisation.objects.filter(kind=Organisation.Kind.NHS_TRUST).count() == 1
    assert Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).count() == 1
    assert Team.objects.filter(kind=Team.Kind.LOCALITY_MDT).count() == 3


def test_loading_the_demo_again_changes_nothing(demo_directory) -> None:
    counts = load_demo_organisations()
    assert counts["users_created"] == 0
    assert User.objects.count() == len(USERS)


def test_a_locality_team_spans_organisations(demo_directory) -> None:
    team = Team.objects.get(code="torquay-mdt")
    kinds = set(team.member_organisations().values_list("kind", flat=True))
    assert kinds == {Organisation.Kind.NHS_TRUST, Organisation.Kind.COUNCIL}


def test_practitioners_need_a_profession_and_others_have_none(demo_directory) -> None:
    org = Organisation.objects.get(code="DEMO-TRUST")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="p1", role=User.Role.PRACTITIONER, organisation=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            username="c1", role=User.Role.COORDINATOR, profession="gp", organisation=org
        )


def test_demo_data_is_refused_outside_demo_settings(db, settings) -> None:
    from caretrust.organisations.demo import DemoDataRefused

    settings.CARETRUST_ALLOW_DEMO_DATA = False
    with pytest.raises(DemoDataRefused):
        load_demo_organisations()
    assert not User.objects.exists()
