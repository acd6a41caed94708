"""An analyst evaluates integration in a real browser: from the home page to Evaluation, runs a
matched difference-in-differences in the background while its progress bar is polled (htmx),
reads the headline, both charts, the balance table and the diagnostics, then finds it among the
saved evaluations; a design the data cannot support is refused in words. Axe on every page, and
the Content-Security-Policy holds throughout."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from caretrust.jobs.models import Job
from caretrust.jobs.services import execute

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
# Jobs wait in the queue until the test, acting as the worker, runs them: the page must show the
# queued job's progress and pick up the finished result by itself.
QUEUE_ONLY = {
    "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
}


def run_queued_jobs() -> None:
    for job_id in Job.objects.filter(status=Job.Status.QUEUED).values_list("pk", flat=True):
        execute(str(job_id))


def open_the_form(page, assert_accessible) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluation")
    assert_accessible(page)
    page.get_by_role("button", name="Run an evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Run an evaluation")
    assert_accessible(page)


def test_an_analyst_runs_an_evaluation_and_reads_it(
    page, assert_accessible, settings, tmp_path, sign_in
) -> None:
    from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

    write(
        SyntheticConfig(
            people=1500,
            comparison_people=1500,
            years=6,
            seed=5,
            integration=IntegrationEffects(start=dt.date(2018, 4, 1)),
            prescriptions=False,
        ),
        tmp_path / "evaluation",
        formats=("parquet",),
    )
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    settings.TASKS = QUEUE_ONLY
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(page, "analyst")

    open_the_form(page, assert_accessible)
    # a mistake first: the error summary links to the field, and the input is kept
    page.get_by_label("Start of integration (YYYY-MM-DD)").fill("April 2018")
    page.get_by_role("button", name="Run the evaluation").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Start of integration (YYYY-MM-DD): Enter the start").click()
    expect(page.get_by_label("Start of integration (YYYY-MM-DD)")).to_be_focused()
    expect(page.get_by_label("Start of integration (YYYY-MM-DD)")).to_have_value("April 2018")

    page.get_by_label("Design").select_option("matched_did")
    page.get_by_label("Start of integration (YYYY-MM-DD)").fill("2018-04-01")
    page.get_by_label("Years before the start to analyse").fill("3")
    page.get_by_role("button", name="Run the evaluation").click()
    # queued: the progress bar shows, polled every second
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_text("Queued")).to_be_visible()
    assert_accessible(page)
    run_queued_jobs()
    # the next poll finds the job done and reloads the page with its result
    headline = page.locator("#headline")
    expect(headline).to_contain_text(
        "Emergency admissions of frail people aged 65+ were", timeout=30_000
    )
    expect(headline).to_contain_text("(95% CI")
    expect(headline).to_contain_text("than expected without integration.")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(
        page.get_by_role("img", name="Line chart of the observed rate against the rate expected")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Event-study chart")).to_be_visible()
    expect(page.locator("figure.ct-chart-figure svg")).to_have_count(2)
    effect = page.get_by_role("table", name="The effect in three measures")
    expect(effect.get_by_role("row")).to_have_count(4)
    balance = page.get_by_role("table", name="Standardised mean differences")
    expect(balance.get_by_role("row", name="Prior emergency admissions")).to_be_visible()
    diagnostics = page.get_by_role("table", name="Each check with its result")
    for check in (
        "Trends before the start (pre-period leads)",
        "Placebo start date two years early",
        "Common support",
        "Balance after matching",
        "Sensitivity to unmeasured confounding (E-value)",
    ):
        row = diagnostics.get_by_role("row", name=check)
        expect(row).to_be_visible()
        assert row.locator(".nhsuk-tag").inner_text() in ("Pass", "Warning")
    expect(page.get_by_role("heading", name="Caveats")).to_be_visible()
    expect(page.get_by_text("Data snapshot (SHA-256)")).to_be_visible()
    assert_accessible(page)

    # a design the data cannot support: refused, in words, with no number
    open_the_form(page, assert_accessible)
    page.get_by_label("Design").select_option("synthetic_control")
    page.get_by_label("Start of integration (YYYY-MM-DD)").fill("2018-04-01")
    page.get_by_label("Years before the start to analyse").fill("2")
    page.get_by_role("button", name="Run the evaluation").click()
    run_queued_jobs()
    expect(page.get_by_role("heading", name="Important: No estimate")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("needs at least 10 donor areas")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Back to Evaluation").click()
    saved = page.get_by_role("table", name="Saved evaluations, newest first")
    expect(saved.get_by_role("row")).to_have_count(3)
    expect(saved.get_by_text("Refused")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("window.__cspViolations || []") == []
