"""What funding needs to know of care plans, registered into the shared registries (ADR 6) so that
funding never imports care plans (ADR 75): the relationship a council finance officer has with a
person (a council-arranged, means-tested service in their current care plan), and the care-plan
commitments a pooled budget counts."""

from __future__ import annotations

from caretrust.access import relationships
from caretrust.access.policy import Role
from caretrust.funding import commitments, deliveries, worklist
from caretrust.funding.catalogue import load

MEANS_TESTED = worklist.MEANS_TESTED_STREAMS
CURRENT = ("draft", "active")


def council_finance_for_means_tested_plan(user, person) -> str | None:
    from caretrust.careplans.models import PlannedService

    if user.role != Role.FINANCE_OFFICER or user.organisation is None:
        return None
    if user.organisation.kind != "council":
        return None
    if PlannedService.objects.filter(
        plan__person=person, plan__status__in=CURRENT, funding_stream__in=MEANS_TESTED
    ).exists():
        return "a means-tested service in the person's care plan"
    return None


def active_plan_costs(pool):
    """Every weekly service in an agreed care plan, priced from the catalogue, with its funding
    stream (the pool counts only the streams its lines pay for). A double-handed service costs
    the pool two workers' time a call, as its delivered visits (one for each worker) do."""
    from caretrust.careplans.models import PlannedService

    catalogue = load()
    services = PlannedService.objects.filter(plan__status="active").exclude(per="once")
    for service in services.iterator():
        price = catalogue.price(
            kind=service.kind,
            frequency=service.frequency,
            per=service.per,
            hours_per_visit=service.hours_per_visit,
            workers=service.workers_needed,
        )
        yield commitments.PlannedCost(
            service.kind,
            price.weekly,
            service.start,
            service.end,
            f"service {service.pk}",
            funding_stream=service.funding_stream,
        )


def done_visits(first_day, before):
    """Visits marked done in the team workspace from `first_day` to the day before `before`,
    counted by month and by their planned service's kind, hours and funding stream."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from caretrust.careplans.models import Visit

    rows = (
        Visit.objects.filter(
            status=Visit.Status.DONE,
            date__gte=first_day,
            date__lt=before,
            planned_service__isnull=False,
        )
        .annotate(month=TruncMonth("date"))
        .values(
            "month",
            "planned_service__kind",
            "planned_service__hours_per_visit",
            "planned_service__funding_stream",
        )
        .annotate(visits=Count("id"))
        .order_by()
    )
    for row in rows:
        yield deliveries.DeliveredVisits(
            kind=row["planned_service__kind"],
            month=row["month"],
            visits=row["visits"],
            hours_per_visit=row["planned_service__hours_per_visit"],
            funding_stream=row["planned_service__funding_stream"],
        )


def council_finance_filter(user):
    from django.db.models import Q

    from caretrust.careplans.models import PlannedService

    if user.role != Role.FINANCE_OFFICER or user.organisation is None:
        return None
    if user.organisation.kind != "council":
        return None
    services = PlannedService.objects.filter(
        plan__status__in=CURRENT, funding_stream__in=MEANS_TESTED
    )
    return Q(pk__in=services.values("plan__person_id"))


relationships.register_provider(
    "council_finance", council_finance_for_means_tested_plan, council_finance_filter
)
commitments.register_source("care_plans", active_plan_costs)
deliveries.register_source("care_plan_visits", done_visits)


def _means_tested_plans():
    from caretrust.careplans.selectors import means_tested_plans

    return means_tested_plans()


worklist.register_source("care_plans", _means_tested_plans)
