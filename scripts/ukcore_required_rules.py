"""Write src/caretrust/fhir/profiles/ukcore_required.json from the UK Core StructureDefinitions.

Usage: python scripts/ukcore_required_rules.py DIR [--out FILE]

DIR holds the UK Core profiles as FHIR XML (`UKCore-*.xml`, the `structuredefinitions/` folder
of NHS England's UK Core repository, release named in the output). Only each profile's
differential is read: what UK Core adds to its base. The rules kept are the ones that can be
checked without a terminology server (ADR 0122):

* `min`: an element (or slice) that must be present at least n times in each parent present;
* `max`: an element limited below its base (0 is "prohibited");
* `fixed` / `pattern`: a value the element must equal / contain wherever it is present.

A slice is named by its selector: the fixed or pattern values under it at the slicing's
discriminator paths (or every fixed child value when the differential declares no slicing; an
extension's url). Required bindings are listed in `not_checked` with the reason (none of UK
Core's is to a value set that can be enumerated here).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lxml import etree

NS = {"f": "http://hl7.org/fhir"}
UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/"
OUT = Path(__file__).resolve().parents[1] / "src/caretrust/fhir/profiles/ukcore_required.json"


def _value(el, name: str):
    child = el.find(f"f:{name}", NS)
    return None if child is None else child.get("value")


def _fixed(el) -> tuple[str, object] | None:
    """('fixed'|'pattern', JSON value) of a primitive or simple complex fixed/pattern."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        tag = etree.QName(child).localname
        for kind in ("fixed", "pattern"):
            if tag.startswith(kind) and len(tag) > len(kind):
                if child.get("value") is not None:
                    text = child.get("value")
                    value: object = {"true": True, "false": False}.get(text, text)
                    return kind, value
                return kind, _complex(child)
    return None


def _complex(el) -> dict:
    out: dict = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        value = child.get("value") if child.get("value") is not None else _complex(child)
        if name in ("coding",):
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _elements(path: Path) -> tuple[str, str, str, list]:
    root = etree.parse(str(path)).getroot()
    url = _value(root, "url")
    base = _value(root, "baseDefinition")
    kind = _value(root, "type")
    return url, base, kind, root.findall("f:differential/f:element", NS)


def _plain(element_id: str) -> str:
    """Observation.component:SystolicBP.code -> Observation.component.code"""
    return ".".join(part.split(":")[0] for part in element_id.split("."))


def discriminators(everything: dict, element_id: str) -> list[str] | None:
    for el in reversed(everything.get(element_id, [])):
        paths = [
            d.find("f:path", NS).get("value") for d in el.findall("f:slicing/f:discriminator", NS)
        ]
        if paths:
            return paths
    return None


def selector(everything: dict, slice_id: str) -> dict:
    """How to recognise an item of a slice: relative plain path -> value."""
    sliced_id = slice_id.rsplit(":", 1)[0]
    paths = discriminators(everything, sliced_id)
    if paths is None and ":" in sliced_id:
        paths = discriminators(everything, _plain(sliced_id))
    found: dict = {}
    for element_id, els in everything.items():
        if element_id == slice_id:
            for el in els:
                for type_el in el.findall("f:type", NS):
                    profile = type_el.find("f:profile", NS)
                    if _value(type_el, "code") == "Extension" and profile is not None:
                        found["url"] = profile.get("value")
            continue
        if not element_id.startswith(slice_id + "."):
            continue
        relative = _plain(element_id[len(slice_id) + 1 :])
        fixed = None
        for el in els:
            fixed = _fixed(el) or fixed
        if fixed is None:
            continue
        if paths is not None and not any(
            relative == p or relative.startswith(p + ".") for p in paths
        ):
            continue
        if ":" in element_id[len(slice_id) + 1 :] and paths is None:
            continue
        found[relative] = fixed[1]
    if not found and ":" in sliced_id:
        # component:SystolicBP.code.coding:loinc is recognised as component.code.coding:loinc
        return selector(everything, f"{_plain(sliced_id)}:{slice_id.rsplit(':', 1)[1]}")
    return found


def build(folder: Path) -> dict:
    defs = {}
    for file in sorted(folder.glob("UKCore-*.xml")):
        url, base, kind, elements = _elements(file)
        defs[url] = {"file": file.name, "base": base, "type": kind, "elements": elements}

    def merged(url: str) -> dict:
        """element id -> element, base profiles' first (a profile's own override them)."""
        chain, current = [], url
        while current in defs:
            chain.append(current)
            current = defs[current]["base"]
        out: dict = {}
        for step in reversed(chain):
            for el in defs[step]["elements"]:
                out.setdefault(el.get("id"), []).append(el)
        return out

    profiles, not_checked, count = {}, [], 0
    for url, info in sorted(defs.items()):
        everything = merged(url)
        own = list(info["elements"])

        rules = []
        for el in own:
            element_id = el.get("id")
            if element_id.count(".") == 0:
                continue
            slices = {}
            parts = element_id.split(".")
            for i, part in enumerate(parts):
                if ":" in part:
                    slice_id = ".".join(parts[: i + 1])
                    slices[slice_id] = selector(everything, slice_id)
            base_rule = {"id": element_id}
            if slices:
                base_rule["slices"] = slices
            minimum, maximum = _value(el, "min"), _value(el, "max")
            if minimum is not None and int(minimum) >= 1:
                rules.append({**base_rule, "min": int(minimum)})
            if maximum is not None and maximum != "*":
                rules.append({**base_rule, "max": int(maximum)})
            fixed = _fixed(el)
            if fixed is not None:
                rules.append({**base_rule, fixed[0]: fixed[1]})
            binding = el.find("f:binding", NS)
            if binding is not None and _value(binding, "strength") == "required":
                value_set = _value(binding, "valueSet")
                not_checked.append(
                    {
                        "profile": url,
                        "id": element_id,
                        "binding": value_set,
                        "why": "a value set defined by a grammar or filter (BCP-47, UCUM), "
                        "not enumerable without a terminology server",
                    }
                )
        count += len(rules)
        profiles[url] = {
            "type": info["type"],
            "base": info["base"] if info["base"] in defs else None,
            "rules": rules,
        }
    return {
        "source": "UK Core StructureDefinitions (differentials), NHSDigital/"
        "FHIR-R4-UKCORE-STAGING-MAIN commit 3d2827e3e9918674640d0c14a0f870084397a615",
        "generated_by": "scripts/ukcore_required_rules.py",
        "profile_count": len(profiles),
        "rule_count": count,
        "profiles": profiles,
        "not_checked": not_checked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.folder)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"{data['profile_count']} profiles, {data['rule_count']} rules -> {args.out}")


if __name__ == "__main__":
    main()
