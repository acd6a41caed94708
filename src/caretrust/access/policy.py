"""The one place that decides whether a user may perform an action on an object.

Views and services never test roles themselves; they ask `decide` (or `require`). An action names
the roles that may attempt it and, optionally, an object rule that looks at the particular object
(for a person's record: a legitimate relationship, else break-glass). New areas register their
actions here with `register`, so every rule stays visible in one table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied

from caretrust.organisations.models import User

Role = User.Role


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # How the decision was reached: "role", "object_rule", "break_glass" or "denied". Audit rows and
    # the privacy officer's review use it to tell ordinary access from an override.
    basis: str = "role"

    def __bool__(self) -> bool:
        return self.allowed


BREAK_GLASS = "break_glass"

ObjectRule = Callable[[User, Any], Decision]


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    roles: frozenset[str]
    object_rule: ObjectRule | None = field(default=None, compare=False)
    # Break-glass opens only actions that read: anything that changes a record, or adds the user
    # to a care team, needs a legitimate relationship that came from workflow.
    read_only: bool = False


_ACTIONS: dict[str, Action] = {}


def register(
    name: str,
    description: str,
    roles: Iterable[str],
    object_rule: ObjectRule | None = None,
    *,
    read_only: bool = False,
) -> Action:
    """Declare an action. Re-registering the same name replaces it (an area refining its rule).

    `read_only` says the action only shows a record; only such actions may be done under
    break-glass."""
    action = Action(name, description, frozenset(roles), object_rule, read_only)
    _ACTIONS[name] = action
    return action


def actions() -> dict[str, Action]:
    return dict(_ACTIONS)


def decide(user: User | Any, action_name: str, obj: Any = None) -> Decision:
    if user is None or not getattr(user, "is_authenticated", False):
        return Decision(False, "You need to sign in.", "denied")
    if not user.is_active:
        return Decision(False, "This account is disabled.", "denied")
    action = _ACTIONS.get(action_name)
    if action is None:
        # Secure default: an action nobody declared is refused, not allowed.
        return Decision(False, f"Unknown action {action_name!r}.", "denied")
    if user.role not in action.roles:
        return Decision(
            False, f"Your role ({user.role_label}) may not {action.description}.", "denied"
        )
    if action.object_rule is not None and obj is not None:
        decision = action.object_rule(user, obj)
        if decision.allowed and decision.basis == BREAK_GLASS and not action.read_only:
            return Decision(
                False,
                f"Break-glass access is read-only: to {action.description} you need a "
                "legitimate relationship with this person (a referral to your team, the care "
                "team or the person's GP practice).",
                "denied",
            )
        return decision
    return Decision(True, f"Your role may {action.description}.", "role")


def require(user: User | Any, action_name: str, obj: Any = None) -> Decision:
    """Return the decision if allowed; raise PermissionDenied with its reason otherwise."""
    decision = decide(user, action_name, obj)
    if not decision.allowed:
        note_refusal(action_name, decision, obj)
        raise PermissionDenied(decision.reason)
    return decision


def person_ref_of(obj: Any) -> str:
    """The people-index key of the person an object is about ("" when it is about no one)."""
    for candidate in (obj, getattr(obj, "person", None)):
        ref = getattr(candidate, "audit_ref", None)
        if isinstance(ref, str):
            return ref
    return ""


def note_refusal(action_name: str, decision: Decision, obj: Any = None) -> None:
    """Remember a refusal for the request's audit (written outside any rolled-back transaction
    by the middleware, or by the FHIR API)."""
    from caretrust.access import context

    object_type = obj._meta.label_lower if hasattr(obj, "_meta") else ""
    context.note_refusal(
        {
            "action": action_name,
            "reason": decision.reason,
            "person_ref": person_ref_of(obj),
            "object_type": object_type,
            "object_id": str(getattr(obj, "pk", "") or "") if object_type else "",
        }
    )


# Actions of the foundation. Later areas register theirs in their own `access_rules.py`, imported
# by their AppConfig.ready().
STAFF = {
    Role.COORDINATOR,
    Role.PRACTITIONER,
    Role.FINANCE_OFFICER,
    Role.ANALYST,
    Role.PRIVACY_OFFICER,
    Role.ADMINISTRATOR,
}
register("organisations.view_directory", "see organisations and teams", STAFF)
register("organisations.manage", "manage organisations, teams and staff", {Role.ADMINISTRATOR})
register("access.view_audit", "review the audit log", {Role.PRIVACY_OFFICER})
