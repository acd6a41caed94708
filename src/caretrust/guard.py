"""The right path is the only path: models whose rows only their service may write (ADR 89).

Person, Referral, CarePlan, Assessment and FinancialAssessment carry versions, events and audit
rows that their app's service writes alongside the row. Their managers are `GuardedQuerySet`
managers and the models inherit `Guarded`, so that outside the service

- `Model.objects.create()`, `get_or_create()` (when it would create), `update_or_create()`,
  `bulk_create()`, `bulk_update()` and a queryset's `update()`, and
- `Model(...).save()` of a new instance

raise `DirectWriteRefused`, whose message names the service to call, the test factory, and the
bulk path. The service opens the gate for the rows it writes:

    with guard.service_writes(Person):          # or as a decorator on the service function
        Person.objects.create(...)

Loaders that must be fast (imports through `caretrust.bulk.insert`, benchmarks, synthetic data)
open it deliberately and by name, saying why:

    with guard.bulk_load(Person, Referral, why="worklist benchmark: 100k synthetic referrals"):
        Person.objects.bulk_create(...)

Saving an instance that already exists (`obj.save()`) is not refused: services change rows they
hold through conditional updates or saves of what they read, and refusing those would put every
service function behind the gate for no safety a review does not already give (ADR 89). Reads are
never refused. The gate is a context variable, so it is per thread and per asyncio task: opening
it in one request opens nothing in another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models

_open: ContextVar[frozenset[str]] = ContextVar("caretrust_guard_open", default=frozenset())


@dataclass(frozen=True)
class Through:
    """How rows of a guarded model are written: the service module, its create function, and
    the test factory (dotted names, shown in the refusal)."""

    services: str
    create: str
    factory: str


class DirectWriteRefused(RuntimeError):
    """A guarded model was written outside its service."""


@contextmanager
def service_writes(*guarded: type[models.Model]) -> Iterator[None]:
    """Open the gate for `guarded` models while the block (or decorated function) runs. For the
    model's own service only."""
    token = _open.set(_open.get() | {m._meta.label for m in guarded})
    try:
        yield
    finally:
        _open.reset(token)


@contextmanager
def bulk_load(*guarded: type[models.Model], why: str) -> Iterator[None]:
    """The named bulk path: open the gate for fast loaders (imports, synthetic data, benchmarks)
    that write many rows at once without a service call per row. `why` says what loads them."""
    if not why.strip():
        raise ValueError("bulk_load needs a reason (why=...)")
    with service_writes(*guarded):
        yield


def is_open(model: type[models.Model]) -> bool:
    return model._meta.label in _open.get()


def refuse_unless_open(model: type[models.Model], operation: str) -> None:
    if is_open(model):
        return
    name = model.__name__
    through: Through | None = getattr(model, "writes_through", None)
    if through is None:  # pragma: no cover - every guarded model declares it
        raise DirectWriteRefused(f"{name} rows may only be written by their service (ADR 89).")
    raise DirectWriteRefused(
        f"{name}: {operation} refused outside its service. Create a {name} with "
        f"{through.create}(...), and change one with the functions of {through.services}: they "
        f"write its versions, events and audit row. In tests use {through.factory}(...). "
        f"A fast loader opens the gate by name: "
        f"`with caretrust.guard.bulk_load({name}, why=...)` or caretrust.bulk.insert (ADR 89)."
    )


class GuardedQuerySet(models.QuerySet):
    """A queryset whose writes are refused outside the model's service (reads are untouched)."""

    def create(self, **kwargs):
        refuse_unless_open(self.model, f"{self.model.__name__}.objects.create()")
        return super().create(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        refuse_unless_open(self.model, f"{self.model.__name__}.objects.bulk_create()")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        refuse_unless_open(self.model, f"{self.model.__name__}.objects.bulk_update()")
        return super().bulk_update(objs, *args, **kwargs)

    def update(self, **kwargs):
        refuse_unless_open(self.model, f"{self.model.__name__} queryset update()")
        return super().update(**kwargs)

    def update_or_create(self, *args, **kwargs):
        refuse_unless_open(self.model, f"{self.model.__name__}.objects.update_or_create()")
        return super().update_or_create(*args, **kwargs)

    # get_or_create creates through self.create, so it is refused only when it would create.


class Guarded(models.Model):
    """Mixin for guarded models: a new instance's `save()` is refused outside the service."""

    writes_through: Through

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            refuse_unless_open(type(self), f"saving a new {type(self).__name__}")
        super().save(*args, **kwargs)
