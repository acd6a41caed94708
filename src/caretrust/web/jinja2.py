"""The Jinja2 environment: our templates first, then the NHS.UK frontend component macros."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from caretrust.web.navigation import items_for


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [options["loader"], PackageLoader("nhsuk_frontend_jinja", "templates")]
    )
    # The NHS.UK macros read nested optional parameters (params.x.y) and need this.
    options["undefined"] = ChainableUndefined
    # Django's Jinja2 backend passes autoescape=True in `options`.
    env = Environment(**options)  # noqa: S701
    env.globals.update(
        {
            "static": static,
            "url": url,
            "csrf_token_value": get_token,
            "get_messages": get_messages,
            "navigation_for": items_for,
            "service_name": "caretrust",
        }
    )
    return env
