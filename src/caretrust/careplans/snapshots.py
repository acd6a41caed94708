"""A care plan as plain data (for version history and for showing what changed)."""

from __future__ import annotations

from caretrust.careplans.models import CarePlan


def snapshot(plan: CarePlan) -> dict:
    return {
        "status": plan.status,
        "coordinator": plan.coordinator.get_full_name(),
        "review_date": plan.review_date.isoformat(),
        "goals": [g.text for g in plan.goals.all()],
        "services": [
            {
                "id": s.pk,
                "kind": s.get_kind_display(),
                "description": s.description,
                "provider": s.provider_organisation.name,
                "team": s.provider_team.name if s.provider_team_id else "",
                "frequency": s.frequency_text,
                "start": s.start.isoformat(),
                "end": s.end.isoformat() if s.end else "",
                "visit_kind": s.get_visit_kind_display(),
                "funding_stream": s.funding_stream,
                "weekly_cost": str(s.weekly_cost) if s.weekly_cost is not None else None,
            }
            for s in plan.services.select_related("provider_organisation", "provider_team")
        ],
        "care_team": [
            {
                "name": m.display_name,
                "role": m.role,
                "organisation": m.organisation.name if m.organisation_id else "",
            }
            for m in plan.care_team.select_related("user", "team", "organisation")
        ],
    }


def differences(before: dict, after: dict) -> list[str]:
    """Plain-language lines saying what changed between two snapshots."""
    lines = []
    for key, label in (
        ("status", "Status"),
        ("coordinator", "Named co-ordinator"),
        ("review_date", "Review date"),
    ):
        if before.get(key) != after.get(key):
            lines.append(f"{label}: {before.get(key)} → {after.get(key)}")
    for goal in after.get("goals", []):
        if goal not in before.get("goals", []):
            lines.append(f"Goal added: {goal}")
    for goal in before.get("goals", []):
        if goal not in after.get("goals", []):
            lines.append(f"Goal removed: {goal}")

    def _service(s: dict) -> str:
        return f"{s['kind']} from {s['provider']} ({s['frequency']})"

    old = {s["id"]: s for s in before.get("services", [])}
    new = {s["id"]: s for s in after.get("services", [])}
    lines += [f"Service added: {_service(s)}" for i, s in new.items() if i not in old]
    lines += [f"Service removed: {_service(s)}" for i, s in old.items() if i not in new]
    lines += [f"Service changed: {_service(s)}" for i, s in new.items() if i in old and old[i] != s]
    old_team = {(m["name"], m["role"]) for m in before.get("care_team", [])}
    lines += [
        f"Care team: {m['name']} ({m['role']}) added"
        for m in after.get("care_team", [])
        if (m["name"], m["role"]) not in old_team
    ]
    return lines
