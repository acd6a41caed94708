"""A commissioner plans ahead in a real browser: from the home page to Plan ahead, runs a scenario
in the background while its progress bar is polled (htmx), reads the fan charts and the table,
runs the baseline-only scenario and compares the two side by side; axe on every page."""

from __future__ import annotations

from playwright.sync_api import expect

from caretrust.jobs.models import Job
from caretrust.jobs.services import execute

# Jobs wait in the queue until the test, acting as the worker, runs them: the page must show
# the queued job's progress and pick up the finished result by itself.
# The Content-Security-Policy (ADR 45) must hold on every page of the journey: no inline script
# (htmx attributes only) and no inline style (charts go through csp_safe_svg).
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""

QUEUE_ONLY = {
    "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
}


def run_queued_jobs() -> None:
    for job_id in Job.objects.filter(status=Job.Status.QUEUED).values_list("pk", flat=True):
        execute(str(job_id))


def assert_no_policy_violation(page) -> None:
    assert page.evaluate("window.__cspViolations || []") == []


def run_scenario(page, assert_accessible, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Plan ahead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan ahead")
    assert_accessible(page)
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Run a scenario")
    assert_accessible(page)
    page.get_by_label("Monte Carlo runs").fill("20")
    page.get_by_label("Years ahead").fill("5")
    page.get_by_role("button", name="Run the projection").click()
    # Queued: the progress bar shows, polled every second.
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_text("Queued")).to_be_visible()
    assert_accessible(page)
    run_queued_jobs()
    # The next poll finds the job done and reloads the page with its result.
    expect(page.get_by_role("heading", name="Cost per partner")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert_no_policy_violation(page)


def test_a_commissioner_runs_two_scenarios_and_compares_them(
    page, assert_accessible, settings, tmp_path, sign_in
) -> None:
    from caretrust.synthetic import SyntheticConfig, write

    write(SyntheticConfig(people=800, years=3, seed=2), tmp_path / "extract", formats=("parquet",))
    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    settings.TASKS = QUEUE_ONLY
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(page, "analyst")

    run_scenario(page, assert_accessible, "Integrated care for frail older people")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Integrated care for frail older people"
    )
    expect(
        page.get_by_role("img", name="Fan chart of Emergency admissions by year")
    ).to_be_visible()
    expect(page.locator("figure.ct-chart-figure svg")).to_have_count(15)
    table = page.get_by_role("table", name="Emergency admissions: activity and cost by year")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(3)  # header, baseline year, fifth year
    expect(page.get_by_role("table", name="Cost to NHS by year")).to_be_visible()
    assert_accessible(page)

    run_scenario(page, assert_accessible, "Baseline only (demography)")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Plan ahead").click()
    page.get_by_label("First run").select_option(
        label=page.get_by_label("First run")
        .locator("option", has_text="Integrated care")
        .inner_text()
    )
    page.get_by_label("Second run").select_option(
        label=page.get_by_label("Second run")
        .locator("option", has_text="Baseline only")
        .inner_text()
    )
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two runs")
    expect(
        page.get_by_role(
            "table",
            name="Activity by setting: first run against second run (principal, with its 80% interval)",
        )
    ).to_be_visible()
    expect(page.locator(".ct-side-by-side figure")).to_have_count(30)
    expect(page.get_by_role("link", name="Baseline only (demography)")).to_be_visible()
    assert_accessible(page)
    assert_no_policy_violation(page)
    # Chart colours survive the policy: shapes are filled from presentation attributes.
    assert page.locator(".ct-side-by-side figure svg [fill='#005eb8']").count() > 0
