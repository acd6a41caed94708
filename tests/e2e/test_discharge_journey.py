"""Hospital discharge in a real browser, clicking only from each user's home page (sign-in is the
only address typed), axe on every page: the hospital's discharge team refers a person ready to
leave hospital on pathway 1 (home with reablement); the co-ordinator finds them on the discharge
list by pathway with the days since they were ready, records the discharge (closing the wait),
starts a reablement episode from it (six weeks free) and records its outcome."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from caretrust import clock


def test_pathway_1_discharge_through_reablement_to_its_outcome(
    page, sign_in, assert_accessible
) -> None:
    today = clock.today()
    ready = today - timedelta(days=1)

    # 1. The hospital discharge nurse refers from her home page.
    sign_in(page, "discharge")
    page.wait_for_url(re.compile(r"/$"))
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Refer a person").click()
    page.check("input[name=source][value=hospital_discharge]")
    page.get_by_label("First name").fill("Winifred")
    page.get_by_label("Last name").fill("Parsons")
    page.get_by_label("Date of birth").fill("1939-07-02")
    page.get_by_label("Postcode").fill("TQ1 4QQ")
    page.select_option("#gp_practice", label="Harbour Medical Practice")
    page.get_by_label("What has happened and what help is needed").fill(
        "Admitted after a fall; medically fit to go home; needs help to regain washing and dressing."
    )
    page.check("input[name=lives_alone][value=yes]")
    page.check("input[name=requested_urgency][value=urgent]")
    page.check("input[name=consent]")
    # Without the ready date and pathway a hospital discharge referral is refused, field by field.
    page.get_by_role("button", name="Send referral").click()
    expect(
        page.get_by_role("link", name="Enter the date the person is ready for discharge")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Discharge ready date (hospital discharge referrals)").fill(ready.isoformat())
    page.check("input[name=discharge_pathway][value='1']")
    page.check("input[name=consent]")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    reference = re.search(r"R-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content()).group(0)
    assert_accessible(page)

    # 2. The co-ordinator sees it on the discharge list under pathway 1, ready one day ago,
    #    and on the referrals worklist with the same note.
    page.context.clear_cookies()  # sign the hospital nurse out
    sign_in(page, "coordinator")
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile(r"^Hospital discharges")
    ).click()
    assert_accessible(page)
    pathway_1 = page.get_by_role("table").filter(has_text="Winifred")
    row = pathway_1.get_by_role("row").filter(has_text=reference)
    expect(row.get_by_text("ready 1 day ago")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Pathway 1: .*\(1\)"))).to_be_visible()
    row.get_by_role("link", name=re.compile("Winifred")).click()
    expect(page.get_by_role("heading", name="Hospital discharge")).to_be_visible()
    assert_accessible(page)

    # 3. She left hospital today, a day after being ready: the reason for the delay is asked.
    page.get_by_label("Date the person left hospital").fill(today.isoformat())
    page.check("input[name=destination][value=usual_with_support]")
    page.get_by_role("button", name="Record discharge").click()
    expect(
        page.get_by_role("link", name="Say why the person left hospital after their ready date")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date the person left hospital").fill(today.isoformat())
    page.check("input[name=destination][value=usual_with_support]")
    page.get_by_label("Why they left after their ready date (if they did)").fill(
        "Waiting for the reablement team's first visit"
    )
    page.get_by_role("button", name="Record discharge").click()
    expect(page.get_by_text("Discharge recorded: the wait is closed.")).to_be_visible()
    expect(page.get_by_text("1 day: Waiting for the reablement team")).to_be_visible()
    assert_accessible(page)

    # 4. Reablement starts today from the discharge; six weeks free.
    page.get_by_label("Reablement starts").fill(today.isoformat())
    page.get_by_label("What the person wants to regain").fill("Wash and dress on my own")
    page.get_by_role("button", name="Start reablement").click()
    expect(page.get_by_text("Reablement episode started.")).to_be_visible()
    planned = today + timedelta(weeks=6) - timedelta(days=1)
    expect(page.get_by_text(planned.strftime("%d %B %Y"))).to_be_visible()
    assert_accessible(page)

    # 5. Its outcome: no further services needed.
    page.get_by_label("No services: no identified needs").check()
    page.get_by_label("Date reablement ended").fill(today.isoformat())
    page.get_by_role("button", name="Record outcome").click()
    expect(page.get_by_text("Reablement outcome recorded.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"No services: no identified needs, ended"))).to_be_visible()
    assert_accessible(page)

    # 5b. Her record's "Hospital discharge and reablement" section (ADR 104): the discharge with
    #     its ready date, pathway, status and days delayed, and the reablement episode.
    page.get_by_role("link", name="Winifred PARSONS's record").click()
    section = page.get_by_role("heading", name="Hospital discharge and reablement").locator("..")
    expect(section.get_by_text("Discharged: 1 day delayed")).to_be_visible()
    expect(section.get_by_text(f"Reablement from {today:%d %B %Y}", exact=True)).to_be_visible()
    expect(section.get_by_text("No services: no identified needs")).to_be_visible()
    assert_accessible(page)
    section.get_by_role(
        "link", name=f"Pathway 1 discharge, ready {ready:%d %B %Y}", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Hospital discharge")).to_be_visible()

    # 6. The wait is closed: the discharge list is empty; the indicators count her.
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile(r"^Hospital discharges")
    ).click()
    expect(page.get_by_text(reference)).to_have_count(0)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Discharge indicators"
    ).click()
    expect(page.get_by_role("heading", name="Discharge and reablement indicators")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile(r"^Pathway 1: .* 1 0\.0% 1\.0 days"))
    ).to_be_visible()
    assert_accessible(page)
