from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from caretrust.organisations.models import Organisation, Team
from tests.factories import make_plan, routed_referral


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def routed(user_for):
    return routed_referral()


@pytest.fixture
def plan(user_for, routed):
    return make_plan(referral=routed)


@pytest.fixture
def org():
    return lambda code: Organisation.objects.get(code=code)


@pytest.fixture
def team():
    return lambda code: Team.objects.get(code=code)


@pytest.fixture
def in_days(today):
    return lambda n: today + timedelta(days=n)
