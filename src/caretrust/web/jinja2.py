"""The Jinja2 environment: our templates first, then the NHS.UK frontend component macros."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from caretrust.ui.navigation import account_items_for, items_for
from caretrust.ui.related import links as related_links


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


_UNIVERSAL_RULE = re.compile(r"^\s*\*\s*\{([^}]*)\}\s*$")


def _declarations(css: str) -> list[tuple[str, str]]:
    pairs = (item.split(":", 1) for item in css.split(";") if ":" in item)
    return [(name.strip(), value.strip()) for name, value in pairs if name.strip()]


def csp_safe_svg(svg: str) -> Markup:
    """An SVG chart to inline in a page under our Content-Security-Policy (no inline styles).

    Charts drawn by matplotlib carry `style="fill: ...; stroke: ..."` attributes and a `<style>`
    element, which `style-src 'self'` makes the browser ignore (every shape would turn black).
    Each declaration becomes the SVG presentation attribute of the same name; a universal rule
    (`* {...}`) becomes inherited attributes of the root element; any other rule is dropped."""
    from lxml import etree

    root = etree.fromstring(svg.encode("utf-8"))
    for style in root.iter("{http://www.w3.org/2000/svg}style"):
        match = _UNIVERSAL_RULE.match(style.text or "")
        for name, value in _declarations(match.group(1)) if match else []:
            root.set(name, value)
        style.getparent().remove(style)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        css = element.attrib.pop("style", None)
        for name, value in _declarations(css or ""):
            element.set(name, value)
    return Markup(etree.tostring(root, encoding="unicode"))  # noqa: S704 (our own chart)


TAG_COLOURS = ("white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange")
TAG_COLOURS += ("yellow",)


def tag(params: dict[str, Any] | None = None) -> Markup:
    """The NHS.UK tag component (`nhsuk/components/tag`), rendered as nhsuk_frontend_jinja's
    macro renders it, for the parameters caretrust uses (text, classes, colour). Lists show a tag
    per row, and the macro includes its template and imports the attributes macro on every call:
    a third of the team in-tray's rendering time (bench_my_work.py). tests/web/test_tag.py checks
    the two give the same HTML."""
    params = params or {}
    unknown = set(params) - {"text", "classes", "colour"}
    if unknown:
        raise ValueError(f"tag(): unsupported parameters {sorted(unknown)} (use the nhsuk macro)")
    classes = params.get("classes") or ""
    names = ["nhsuk-tag"]
    colour = params.get("colour")
    if colour in TAG_COLOURS and not any(f"nhsuk-tag--{c}" in classes for c in TAG_COLOURS):
        names.append(f"nhsuk-tag--{colour}")
    if classes:
        names.append(classes)
    text = str(params.get("text") or "").strip()
    return Markup('<strong class="{}">\n  {}\n</strong>').format(" ".join(names), text)


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [options["loader"], PackageLoader("nhsuk_frontend_jinja", "templates")]
    )
    # The NHS.UK macros read nested optional parameters (params.x.y) and need this.
    options["undefined"] = ChainableUndefined
    # Django's Jinja2 backend passes autoescape=True in `options`.
    env = Environment(**options)  # noqa: S701
    env.filters["csp_safe_svg"] = csp_safe_svg
    env.globals.update(
        {
            "static": static,
            "url": url,
            "csrf_token_value": get_token,
            "get_messages": get_messages,
            "navigation_for": items_for,
            "account_links_for": account_items_for,
            "related_links": related_links,
            "service_name": "caretrust",
            "tag": tag,
        }
    )
    return env
