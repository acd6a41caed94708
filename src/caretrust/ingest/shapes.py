"""Validate-once-per-structure: the fhir.resources model runs once for each *shape* of resource,
and later resources of that shape have only their primitive values checked (ADR 127).

A resource's shape is its type and its JSON tree with the values taken out: every object's keys in
order, every list's length, and the JSON type (string, integer, decimal, boolean) of each value.
The R4B model's checks fall in two kinds:

- structural, decided by the shape alone: unknown elements (`extra="forbid"`), required elements,
  one value of a choice element (`onset[x]`), objects where objects belong and lists where lists
  belong, nulls inside lists, `resourceType`;
- per value: each primitive against its FHIR type (`dateTime`, `code`, `id`, `uri`, `decimal`...),
  with the very annotation (and model configuration) the model's field declares.

So when a resource of some shape has passed the whole model, a later resource of the same shape
passes the whole model exactly when each of its values passes its field's type. That is what the
cache checks: a compiled plan, one pydantic TypeAdapter per value position, built from the model's
own field annotations. A value that fails sends the resource to the whole model, so a rejected
resource gets the model's own error (field path and message), as before. Nothing about a value is
remembered except "this value passed this type" (a bounded memo: codes, systems and dates repeat).

A shape is learned only after a resource of it has passed the limits too, so a known shape also
answers the limits the shape decides (nesting, element names, nulls); `checks.validate` then checks
only the strings' own limits, and on any doubt runs the whole walk (ADR 132).

Shapes a plan cannot be compiled for are validated by the whole model every time: anything under a
model with validators of its own (primitive extensions `_x`), contained resources, fields whose
annotation is not one type. The cache holds at most MAX_SHAPES plans and MAX_MEMO values per
process; when full it starts again (memory stays flat).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from operator import contains
from typing import Any

from caretrust.ingest import limits
from caretrust.ingest.references import SKIPPED_ELEMENTS

MAX_SHAPES = 4096
MAX_MEMO = 200_000
# The validators every FHIR model has (fhir_core's FHIRAbstractModel): null in a list of complex
# elements, required primitives and choice elements: all decided by the shape.
BASE_VALIDATORS = {"reject_null_complex_elements", "validate_after_model_construction"}
LEAF_TYPES = (str, int, float, bool)

Shape = tuple
Check = Callable[[Any], Any]


class Plan(list[tuple[Check, set[Any]]]):
    """(check, the values of the check and JSON type that passed it) for each value of a shape;
    `seen`: the sets alone."""

    seen: tuple[set[Any], ...]


def shape_of(resource: dict) -> tuple[Shape, list[Any]]:
    """(shape, the values in document order). The shape is flat, one tuple of tokens: `dict` or
    `list` opens an object or a list, END closes it, a key (a str) names the object's next
    element, and a value is its JSON type (str, int, float, bool, NoneType). Keys are the only
    str tokens and every value starts with a type, so the tokens spell the tree exactly; a flat
    tuple is cheaper to build and to hash than nested ones (ADR 132). Nesting is bounded by the
    limits, but a caller that has not checked them must catch RecursionError."""
    tokens: list[Any] = [dict]
    values: list[Any] = []
    _object(resource, tokens.append, values.append)
    return tuple(tokens), values


class _End:
    def __repr__(self) -> str:
        return "END"


END = _End()


def _object(value: dict, token: Callable[[Any], None], leaf: Callable[[Any], None]) -> None:
    # _object and _list repeat the same dispatch on purpose: a shared helper would cost a call
    # for every element of every resource imported (this walk runs once a resource, ADR 132).
    for key, child in value.items():
        token(key)
        kind = type(child)
        if kind is dict:
            token(dict)
            _object(child, token, leaf)
        elif kind is list:
            token(list)
            _list(child, token, leaf)
        else:
            token(kind)
            leaf(child)
    token(END)


def _list(value: list, token: Callable[[Any], None], leaf: Callable[[Any], None]) -> None:
    for child in value:
        kind = type(child)
        if kind is dict:
            token(dict)
            _object(child, token, leaf)
        elif kind is list:
            token(list)
            _list(child, token, leaf)
        else:
            token(kind)
            leaf(child)
    token(END)


def reference_positions(shape: Shape) -> tuple[tuple[str, int], ...]:
    """(path, index among the values) of each reference a resource of this shape holds, in the
    order `references.references` finds them: an object's own `reference` (a string) before those
    inside it, nothing inside contained resources or narrative."""
    found, _, _ = _positions_in_object(shape, 1, 0, "")
    return tuple(found)


def _positions_in_object(
    shape: Shape, token: int, value: int, path: str
) -> tuple[list[tuple[str, int]], int, int]:
    """From the token after an object's `dict`: (its references, the token after its END, the
    index of the value after its last)."""
    own: list[tuple[str, int]] = []
    inside: list[tuple[str, int]] = []
    while shape[token] is not END:
        key, kind = shape[token], shape[token + 1]
        token += 2
        if kind is dict or kind is list:
            walk = _positions_in_object if kind is dict else _positions_in_list
            found, token, value = walk(shape, token, value, f"{path}.{key}" if path else key)
            if key not in SKIPPED_ELEMENTS:
                inside.extend(found)
        else:
            if key == "reference" and kind is str:
                own.append((path, value))
            value += 1
    return own + inside, token + 1, value


def _positions_in_list(
    shape: Shape, token: int, value: int, path: str
) -> tuple[list[tuple[str, int]], int, int]:
    found: list[tuple[str, int]] = []
    while shape[token] is not END:
        kind = shape[token]
        token += 1
        if kind is dict or kind is list:  # an element of a list has the list's path
            walk = _positions_in_object if kind is dict else _positions_in_list
            inside, token, value = walk(shape, token, value, path)
            found.extend(inside)
        else:
            value += 1
    return found, token + 1, value


class NotCompilable(Exception):
    """This shape is validated by the whole model every time."""


def _single(annotation: Any) -> tuple[Any, bool]:
    """(the one type inside Optional[...] / List[...], whether it is a list)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise NotCompilable(f"{annotation!r} is a union")
        annotation, origin = inner[0], typing.get_origin(inner[0])
    if origin is list:
        element, nested = _single(typing.get_args(annotation)[0])
        if nested:
            raise NotCompilable(f"{annotation!r} is a list of lists")
        return element, True
    return annotation, False


class ShapeCache:
    """Plans of shapes that passed the limits and the whole model, for one process.

    A shape is learned only after a resource of it passed `limits.value_problems` and the whole
    model, so a shape being known (`known`) also tells that a resource of it breaks none of the
    limits the shape decides: nesting, element names and nulls (ADR 132); only its strings'
    own limits remain to be checked."""

    def __init__(self, max_shapes: int = MAX_SHAPES, max_memo: int = MAX_MEMO) -> None:
        self.max_shapes = max_shapes
        self.max_memo = max_memo
        # (model, shape) → (check, values of the check and JSON type that passed) per value;
        # None: not compilable
        self._plans: dict[tuple[type, Shape], Plan | None] = {}
        self._adapters: dict[tuple[Any, str], Check] = {}  # (annotation, model) → validate
        # (check, JSON type) → values of that type that passed the check. A position of a shape
        # has one JSON type, so each set holds values of one type (True never meets 1).
        self._memos: dict[tuple[Check, type], set[Any]] = {}
        self.memo_size = 0
        self.hits = self.misses = 0

    def known(self, model: type, shape: Shape) -> Plan | bool | None:
        """The plan of a learned shape, None for a learned shape without a plan, False for a
        shape never learned (or forgotten when the cache was full)."""
        return self._plans.get((model, shape), False)

    def passes(
        self, model: type, resource: dict, shaped: tuple[Shape, list[Any]] | None = None
    ) -> bool:
        """True when the resource passes `model` because a resource of its shape did and each of
        its values passes its field's type; False when the whole model must decide (a new shape,
        a shape without a plan, or a value that fails). `shaped`: `shape_of(resource)`, when the
        caller has it."""
        shape, values = shaped or shape_of(resource)
        plan = self._plans.get((model, shape))
        if plan is None:  # not known, or known without a plan
            self.misses += 1
            return False
        return self.values_pass(plan, values)

    def values_pass(self, plan: Plan, values: list[Any]) -> bool:
        """Whether each value passes its check in `plan` (the values of a resource of the plan's
        shape, in document order)."""
        if all(map(contains, plan.seen, values)):  # all of them passed before: a loop in C
            self.hits += 1
            return True
        for (check, seen), value in zip(plan, values, strict=True):
            if value in seen:
                continue
            try:
                check(value)
            except ValueError:  # pydantic's ValidationError is a ValueError
                self.misses += 1
                return False
            if self.memo_size >= self.max_memo:
                for memo in tuple(self._memos.values()):  # (a web process's threads may learn)
                    memo.clear()
                self.memo_size = 0
            seen.add(value)
            self.memo_size += 1
        self.hits += 1
        return True

    def learn(
        self, model: type, resource: dict, shaped: tuple[Shape, list[Any]] | None = None
    ) -> None:
        """Remember the plan of a resource that has just passed the limits and the whole model.
        `shaped`: `shape_of(resource)`, when the caller has it."""
        shape, values = shaped or shape_of(resource)
        if (model, shape) in self._plans:
            return
        if any(type(value) not in LEAF_TYPES for value in values):
            return  # not JSON's (a dict subclass...): the limits would walk into it; never known
        if limits.value_problems(resource):
            return  # never expected (validate checks the limits first): then never known
        if len(self._plans) >= self.max_shapes:
            self._plans.clear()
        try:
            checks = self._plan(model, resource)
        except NotCompilable:
            checks = None
        plan: Plan | None = None
        if checks is not None and len(checks) == len(values):
            # (a plan of another length is never expected: then the whole model decides, always)
            plan = Plan(
                (check, self._memo(check, type(v))) for check, v in zip(checks, values, strict=True)
            )
            plan.seen = tuple(seen for _, seen in plan)
        self._plans[(model, shape)] = plan

    def _memo(self, check: Check, kind: type) -> set[Any]:
        return self._memos.setdefault((check, kind), set())

    # ------------------------------------------------------------------------------- plans

    def _plan(self, model: type, resource: dict) -> list[Check]:
        plan: list[Check] = []
        self._model_plan(model, resource, plan, top=True)
        return plan

    def _model_plan(self, model: type, data: dict, plan: list[Check], *, top: bool) -> None:
        decorators = model.__pydantic_decorators__
        if set(decorators.model_validators) - BASE_VALIDATORS or decorators.field_validators:
            raise NotCompilable(f"{model.__name__} has validators of its own")
        if decorators.validators or decorators.root_validators:
            raise NotCompilable(f"{model.__name__} has validators of its own")
        fields = _fields_by_alias(model)
        for key, value in data.items():
            if top and key == "resourceType":
                plan.append(_same_type)  # part of the shape's key: one model per type
                continue
            field = fields.get(key)
            if field is None:
                raise NotCompilable(f"{model.__name__}.{key} is not a field")
            annotation, many = _single(field.annotation)
            items = value if many else [value]
            if many and type(value) is not list:
                raise NotCompilable(f"{model.__name__}.{key} is a list")
            for item in items:
                if _is_complex(annotation):
                    if type(item) is not dict:
                        raise NotCompilable(f"{model.__name__}.{key} is an element")
                    self._model_plan(_model_of(annotation), item, plan, top=False)
                elif type(item) in LEAF_TYPES:
                    plan.append(self._adapter(annotation, model))
                else:
                    raise NotCompilable(f"{model.__name__}.{key} is a primitive")

    def _adapter(self, annotation: Any, model: type) -> Check:
        from pydantic import TypeAdapter

        key = (annotation, model.__name__)
        if key not in self._adapters:
            config = {
                k: v
                for k, v in model.model_config.items()
                if k not in ("extra", "validate_assignment", "populate_by_name", "title")
            }
            adapter = TypeAdapter(annotation, config=config or None)  # type: ignore[call-overload]
            self._adapters[key] = adapter.validate_python
        return self._adapters[key]


def _same_type(value: Any) -> Any:
    return value


def _fields_by_alias(model: type) -> dict[str, Any]:
    return {(field.alias or name): field for name, field in model.model_fields.items()}


def _is_complex(annotation: Any) -> bool:
    from fhir_core.types import FhirBase, FhirElementOrResourceBase

    if not (isinstance(annotation, type) and issubclass(annotation, FhirBase)):
        return False
    if issubclass(annotation, FhirElementOrResourceBase):
        raise NotCompilable("a contained resource or an element of any type")
    return True


def _model_of(annotation: Any) -> type:
    return annotation.get_model_klass()
