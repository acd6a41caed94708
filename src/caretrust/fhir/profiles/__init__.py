"""What a resource claiming a UK Core profile lacks (ADR 0122).

The rules are data: `ukcore_required.json`, written by `scripts/ukcore_required_rules.py` from
the differentials of UK Core's StructureDefinitions. Each rule names an element by its
StructureDefinition id (`Observation.component:SystolicBP.value[x]`) and says one of:

* `min` n: in each parent present, the element (or the slice's items) occurs at least n times;
* `max` n: ... at most n times (0: the profile forbids it);
* `fixed` / `pattern` v: every value present equals v / contains v.

A slice's items are the sliced element's items that match its selector (relative path ->
value). A profile also carries its UK Core base's rules (a vital sign is an Observation).
Only the rules that need no terminology server are here: required bindings and invariants are
not checked (the file's `not_checked` lists the bindings).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).with_name("ukcore_required.json")


@cache
def rules() -> dict:
    """The rules file as loaded (profiles by canonical URL)."""
    return json.loads(RULES_FILE.read_text())


def known_profiles() -> list[str]:
    return sorted(rules()["profiles"])


def _children(node: Any, name: str) -> list:
    if not isinstance(node, dict):
        return []
    if name.endswith("[x]"):
        stem = name[:-3]
        keys = [k for k in node if k.startswith(stem) and k[len(stem) : len(stem) + 1].isupper()]
    else:
        keys = [name] if name in node else []
    out: list = []
    for key in keys:
        value = node[key]
        out.extend(value if isinstance(value, list) else [value])
    return out


def _at(node: Any, dotted: str) -> list:
    nodes = [node]
    for name in dotted.split("."):
        nodes = [child for n in nodes for child in _children(n, name)]
    return nodes


def _contains(value: Any, pattern: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            _contains_many(_children(value, key), want) for key, want in pattern.items()
        )
    return value == pattern


def _contains_many(values: list, pattern: Any) -> bool:
    wanted = pattern if isinstance(pattern, list) else [pattern]
    return all(any(_contains(v, want) for v in values) for want in wanted)


def _matches(item: Any, selector: dict) -> bool:
    return all(_contains_many(_at(item, path), want) for path, want in selector.items())


def _segments(element_id: str) -> list[tuple[str, str]]:
    """'Observation.component:Sys.code' -> [('component', 'Observation.component:Sys'), ...]:
    each step's name (slice included) and its id prefix (the key of the rule's slices)."""
    parts = element_id.split(".")
    return [(part, ".".join(parts[: i + 1])) for i, part in enumerate(parts)][1:]


def _walk(nodes: list, steps: list[tuple[str, str]], slices: dict) -> list:
    for part, prefix in steps:
        name, _, slice_name = part.partition(":")
        nodes = [child for n in nodes for child in _children(n, name)]
        if slice_name:
            nodes = [n for n in nodes if _matches(n, slices.get(prefix, {}))]
    return nodes


def _problems_for(resource: dict, profile: str, rule: dict) -> list[str]:
    steps = _segments(rule["id"])
    slices = rule.get("slices", {})
    short = profile.rsplit("/", 1)[-1]
    where = f"{short}: {rule['id']}"
    if "min" in rule or "max" in rule:
        parents = _walk([resource], steps[:-1], slices)
        for parent in parents:
            count = len(_walk([parent], steps[-1:], slices))
            if "min" in rule and count < rule["min"]:
                return [f"{where} is required (at least {rule['min']}), found {count}"]
            if "max" in rule and count > rule["max"]:
                if rule["max"] == 0:
                    return [f"{where} is not allowed by the profile"]
                return [f"{where} occurs {count} times, at most {rule['max']} allowed"]
        return []
    values = _walk([resource], steps, slices)
    if "fixed" in rule:
        wrong = [v for v in values if v != rule["fixed"]]
        if wrong:
            return [f"{where} must be {rule['fixed']!r}, found {wrong[0]!r}"]
    if "pattern" in rule:
        wrong = [v for v in values if not _contains(v, rule["pattern"])]
        if wrong:
            return [f"{where} must contain {rule['pattern']!r}, found {wrong[0]!r}"]
    return []


def _chain(profile: str) -> list[str]:
    profiles = rules()["profiles"]
    chain = []
    while profile in profiles and profile not in chain:
        chain.append(profile)
        profile = profiles[profile]["base"]
    return chain


def claimed_profiles(resource: dict) -> list[str]:
    """The UK Core profiles in `meta.profile` that the rules know (a `|version` is dropped)."""
    claimed = (resource.get("meta") or {}).get("profile") or []
    known = rules()["profiles"]
    return [url.split("|")[0] for url in claimed if url.split("|")[0] in known]


def profile_problems(resource: dict, profiles: list[str] | None = None) -> list[str]:
    """One line per required element missing or value not allowed, for every UK Core profile
    the resource claims in `meta.profile` (or `profiles`, for a resource that does not say,
    like UK Core's own examples) and its UK Core base; [] when it meets them all."""
    problems: list[str] = []
    for claimed in claimed_profiles(resource) if profiles is None else profiles:
        for profile in _chain(claimed):
            for rule in rules()["profiles"][profile]["rules"]:
                problems.extend(_problems_for(resource, claimed, rule))
    return list(dict.fromkeys(problems))
