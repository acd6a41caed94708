"""Plain values for the person page and the people search: templates never touch models."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page

from caretrust.people import nhs_number
from caretrust.people.models import Person
from caretrust.record.models import AboutMe, Resource, Sector
from caretrust.record.summaries import concept_text

SECTOR_LABELS = dict(Sector.choices)
IDENTIFIER_LABELS = {
    nhs_number.SYSTEM: "NHS number",
}


@dataclass(frozen=True)
class Row:
    key: str
    value: str


@dataclass(frozen=True)
class TimelineRow:
    date: str
    sector: str
    source: str
    kind: str
    summary: str


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    selected: bool


@dataclass
class PersonPage:
    ref: str
    name: str
    summary_rows: list[Row]
    identifiers: list[Row]
    alerts: list[str]
    carers: list[str]
    about_me: list[Row]
    about_me_note: str
    timeline: list[TimelineRow]
    sector_options: list[Option]
    kind_options: list[Option]
    previous_url: str | None
    next_url: str | None
    page_label: str
    access_basis: str
    can_edit: bool
    merged_records: int = 0
    can_unmerge: bool = False
    extra: dict = field(default_factory=dict)


def _date(value) -> str:
    return value.strftime("%-d %B %Y") if value else "Not known"


def identifier_label(system: str) -> str:
    if system in IDENTIFIER_LABELS:
        return IDENTIFIER_LABELS[system]
    if system.startswith("urn:caretrust:cld:"):
        return f"Council client id ({system.split(':')[3]})"
    if system.startswith("urn:caretrust:source:"):
        return f"Id in {system.split(':')[3]}"
    return system or "Identifier"


def identifier_rows(person_ids: list[int]) -> list[Row]:
    from caretrust.people.models import PersonIdentifier

    rows, seen = [], set()
    for identifier in PersonIdentifier.objects.filter(person_id__in=person_ids).order_by("id"):
        key = (identifier.system, identifier.value)
        if key in seen:
            continue
        seen.add(key)
        value = identifier.value
        if identifier.system == nhs_number.SYSTEM:
            value = nhs_number.formatted(value)
            if identifier.verification:
                value += f" ({identifier.get_verification_display().lower()})"
        rows.append(Row(identifier_label(identifier.system), value))
    return rows


def alert_text(resource: Resource) -> str:
    return concept_text(resource.content.get("code")) or "Alert"


def carer_text(resource: Resource) -> str:
    content = resource.content
    names = content.get("name") or [{}]
    name = " ".join([*(names[0].get("given") or []), names[0].get("family") or ""]).strip()
    relation = concept_text(content.get("relationship"))
    phones = [t.get("value") for t in content.get("telecom") or [] if t.get("value")]
    parts = [name or "Name not recorded"]
    if relation:
        parts.append(relation)
    if phones:
        parts.append(phones[0])
    return ", ".join(parts)


def about_me_rows(about: AboutMe | None) -> tuple[list[Row], str]:
    if about is None:
        return [], "Nobody has written this person's About me yet."
    rows = [
        Row("What matters to me", about.what_matters or "Not recorded"),
        Row("How to communicate with me", about.communication or "Not recorded"),
        Row("Who I live with", about.lives_with or "Not recorded"),
        Row("My carer", about.carer or "Not recorded"),
    ]
    note = (
        f"Version {about.version}, written by {about.written_by} on "
        f"{about.written_at:%-d %B %Y at %H:%M}."
    )
    return rows, note


def person_page(
    *,
    person: Person,
    person_ids: list[int],
    events: Page,
    kinds: list[str],
    sector: str,
    kind: str,
    alerts: list[Resource],
    carers: list[Resource],
    about: AboutMe | None,
    access_basis: str,
    can_edit: bool,
    can_unmerge: bool = False,
) -> PersonPage:
    practice = person.gp_practice.name if person.gp_practice else "Not known"
    summary = [
        Row("Name", person.display_name),
        Row("Date of birth", _date(person.birth_date)),
        Row("Sex", person.get_sex_display()),
        Row("Address", ", ".join(p for p in (person.address, person.postcode) if p) or "Not known"),
        Row("Phone", person.phone or "Not known"),
        Row("GP practice", practice),
    ]
    if person.death_date:
        summary.insert(2, Row("Date of death", _date(person.death_date)))
    if person.demographics_source:
        summary.append(Row("Demographics from", person.demographics_source))

    def url_for(page_number: int) -> str:
        query = {"sector": sector, "type": kind, "page": page_number}
        return "?" + urlencode({k: v for k, v in query.items() if v})

    rows, note = about_me_rows(about)
    return PersonPage(
        ref=str(person.ref),
        name=person.display_name,
        summary_rows=summary,
        identifiers=identifier_rows(person_ids),
        alerts=[alert_text(r) for r in alerts],
        carers=[carer_text(r) for r in carers],
        about_me=rows,
        about_me_note=note,
        timeline=[
            TimelineRow(
                date=_date(e.date),
                sector=SECTOR_LABELS.get(e.sector, e.sector),
                source=e.source,
                kind=e.kind,
                summary=e.summary,
            )
            for e in events
        ],
        sector_options=[Option("", "All sectors", not sector)]
        + [Option(v, t, v == sector) for v, t in Sector.choices],
        kind_options=[Option("", "All types", not kind)] + [Option(k, k, k == kind) for k in kinds],
        previous_url=url_for(events.previous_page_number()) if events.has_previous() else None,
        next_url=url_for(events.next_page_number()) if events.has_next() else None,
        page_label=f"Page {events.number} of {events.paginator.num_pages}",
        access_basis=access_basis,
        can_edit=can_edit,
        merged_records=len(person_ids) - 1,
        can_unmerge=can_unmerge,
    )


@dataclass(frozen=True)
class SearchResultRow:
    link_html: str  # built with format_html: escaped name inside a safe link
    name: str
    birth_date: str
    nhs_number: str
    postcode: str


def search_rows(people, numbers: dict[int, str]) -> list[SearchResultRow]:
    from django.urls import reverse
    from django.utils.html import format_html

    return [
        SearchResultRow(
            link_html=format_html(
                '<a href="{}">{}</a>',
                reverse("record:person", args=[person.ref]),
                person.display_name,
            ),
            name=person.display_name,
            birth_date=_date(person.birth_date),
            nhs_number=nhs_number.formatted(numbers[person.pk]) if person.pk in numbers else "",
            postcode=person.postcode,
        )
        for person in people
    ]
