"""Reads about organisations, teams and staff."""

from __future__ import annotations

from caretrust.organisations.models import Team, User


def user_teams(user: User) -> list[Team]:
    """The user's teams with their localities, by name, read once per user object: a page's
    header counts, its lists and its sections all need them (three queries a page before). The
    request's user object lives for one request, so a change of membership shows from the next
    page."""
    cached = getattr(user, "_caretrust_teams", None)
    if cached is None:
        cached = list(
            Team.objects.filter(memberships__user=user).select_related("locality").order_by("name")
        )
        user._caretrust_teams = cached
    return list(cached)
