"""The NHS.UK tag component rendered in Python (`caretrust.web.jinja2.tag`) gives the HTML the
nhsuk_frontend_jinja macro gives, for every parameter caretrust uses."""

import re

import pytest
from django.template import engines

from caretrust.web.jinja2 import tag

MACRO = '{% from "nhsuk/components/tag/macro.jinja" import tag as nhsuk_tag %}{{ nhsuk_tag(p) }}'


def _normalised(html: str) -> str:
    collapsed = re.sub(r"\s+", " ", str(html)).replace("> ", ">").replace(" <", "<")
    return collapsed.replace(" >", ">").strip()


@pytest.mark.parametrize(
    "params",
    [
        {"text": "Breached", "classes": "nhsuk-tag--red"},
        {"text": "  Routine ", "classes": "nhsuk-tag--grey"},
        {"text": "<b>Mrs & Mr</b>", "classes": "nhsuk-tag--blue app-extra"},
        {"text": "Soon", "colour": "orange"},
        {"text": "Both", "colour": "green", "classes": "nhsuk-tag--red"},
        {"text": "Plain"},
        {"text": "Unknown colour", "colour": "mauve"},
    ],
)
def test_same_html_as_the_nhsuk_macro(params):
    expected = engines["jinja2"].from_string(MACRO).render({"p": params})
    assert _normalised(tag(params)) == _normalised(expected)


def test_escapes_text():
    assert "&lt;script&gt;" in tag({"text": "<script>"})


def test_refuses_parameters_it_does_not_render():
    with pytest.raises(ValueError, match="attributes"):
        tag({"text": "x", "attributes": {"data-x": "1"}})


def test_templates_use_it():
    rendered = engines["jinja2"].from_string('{{ tag({"text": "Due", "classes": "x"}) }}').render()
    assert rendered.startswith('<strong class="nhsuk-tag x">')
