"""The header's navigation: each area registers its sections with the action that unlocks them,
so a user sees exactly the places their role may go (decided by the one policy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from caretrust.access.policy import decide


@dataclass(frozen=True)
class NavItem:
    text: str
    url_name: str
    action: str  # the policy action a user needs for the item to show
    order: int = 50
    # What waits there for this user: the rows counted (shown as "In-tray (3)"); None shows no
    # count. A page's counts are taken together, in one statement (`count_together`).
    count: Callable[[Any], QuerySet] | None = None
    # "menu": the header's navigation; "account": beside the user's name (notifications and
    # settings, which are about the user, not a place of work; the menu stays one line wide).
    place: str = "menu"


_items: dict[str, NavItem] = {}


def register(
    text: str,
    url_name: str,
    action: str,
    order: int = 50,
    count: Callable[[Any], QuerySet] | None = None,
    place: str = "menu",
) -> None:
    _items[url_name] = NavItem(text, url_name, action, order, count, place)


def count_together(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """How many rows each query holds, in one statement: `SELECT (SELECT COUNT(*) FROM (q1)),
    (SELECT COUNT(*) FROM (q2)), ...`. Every page's header shows up to six counts; one round trip
    instead of six, and no per-count aggregation query built by the ORM (bench_my_work.py)."""
    if not querysets:
        return {}
    parts, params = [], []
    for queryset in querysets.values():
        # Only the primary keys, unordered: the count needs no joined columns and no sort.
        sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        # The SQL is the ORM's own compiled query; every value in it is a bound parameter.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def count_also(user, key: str, queryset: QuerySet) -> None:
    """Ask for one more count to be taken in the statement of the header's counts (a count the
    page body shows, such as My work's "Visits today"); read it with `page_count`. It joins them
    when asked before the first `count_for` of the request, which takes them all (ADR 128)."""
    taken = getattr(user, "_caretrust_nav_counts", None)
    if taken is not None:  # too late to join them: counted on its own
        taken[f"page:{key}"] = queryset.count()
        return
    extra = user.__dict__.setdefault("_caretrust_extra_counts", {})
    extra[key] = queryset


def page_count(user, key: str) -> int:
    """A count asked for with `count_also`, taken with the header's (taken now if not yet)."""
    counts = _counts(user)
    return counts[f"page:{key}"]


def _counts(user) -> dict[str, int]:
    """The counts of every item the user's navigation shows, taken once per request (the header
    and the page body, such as My work's "Waiting to be accepted", show the same numbers), with
    the page's own (`count_also`). Held on the request's user object, like `user_team_ids`, so the
    next page counts afresh."""
    counts = getattr(user, "_caretrust_nav_counts", None)
    if counts is None:
        counted = {
            item.url_name: item.count(user)
            for item in _items.values()
            if item.count is not None and decide(user, item.action).allowed
        }
        for key, queryset in getattr(user, "_caretrust_extra_counts", {}).items():
            counted[f"page:{key}"] = queryset
        counts = user._caretrust_nav_counts = count_together(counted)
    return counts


def count_for(user, url_name: str) -> int | None:
    """How many things wait at `url_name` for `user` (None: the item shows no count)."""
    item = _items.get(url_name)
    if item is None or item.count is None:
        return None
    counts = _counts(user)
    if url_name not in counts:  # a place the user's navigation does not show
        counts[url_name] = item.count(user).count()
    return counts[url_name]


def _text(item: NavItem, user) -> str:
    if item.count is None:
        return item.text
    return f"{item.text} ({count_for(user, item.url_name)})"


def _allowed(request: HttpRequest, place: str) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [
        {"text": _text(item, user), "href": reverse(item.url_name)}
        for item in sorted(_items.values(), key=lambda i: (i.order, i.text))
        if item.place == place and decide(user, item.action).allowed
    ]


def account_items_for(request: HttpRequest) -> list[dict]:
    """Links beside the user's name in the header (e.g. "Notifications (2)", "Settings")."""
    return _allowed(request, "account")


def items_for(request: HttpRequest) -> list[dict]:
    here = request.path
    result = _allowed(request, "menu")
    # Only the most specific section containing this page is current (/referrals/worklist/ is the
    # worklist, not also "Your referrals" at /referrals/).
    matches = [item["href"] for item in result if here.startswith(item["href"])]
    current = max(matches, key=len, default=None)
    for item in result:
        item["current"] = item["href"] == current
    return result
