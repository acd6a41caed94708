"""A GP clicks to the case-finding list and sees how good it is: the model's AUC beside age alone,
its calibration (slope and by decile, as a chart and a table) and PPV and sensitivity at the top
0.5%, 1% and 5% (issue #21 item 3); axe finds nothing on the page."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect


def test_the_case_finding_page_shows_the_model_beside_age_alone(
    page, assert_accessible, sign_in, demo_directory, settings, tmp_path
) -> None:
    from caretrust.outcomes.models import RiskScore
    from caretrust.outcomes.published import write_risk_model
    from caretrust.portal.demo import load_demo_people

    settings.CARETRUST_ANALYTICS_DIR = tmp_path
    edith = load_demo_people()
    RiskScore.objects.create(
        person=edith, score_date=date(2026, 11, 1), model="test", risk=0.4, rank_percentile=99.5
    )
    top = [
        {"fraction": f, "people": k, "ppv": 0.5, "sensitivity": 0.1 * k / 5}
        for f, k in ((0.005, 5), (0.01, 10), (0.05, 50))
    ]
    deciles = [{"decile": d, "mean_predicted": d / 50, "observed": d / 52} for d in range(1, 11)]
    metrics = {"n": 1000, "prevalence": 0.11, "slope": 0.97, "intercept": -0.12}
    write_risk_model(
        {
            "kept": "logistic",
            "reason": "logistic kept: validation AUC 0.789 against 0.786 (gradient boosting)",
            "test_as_of": "2025-10-31",
            "test": {**metrics, "auc": 0.781, "top": top, "calibration": deciles},
            "age_only": {**metrics, "auc": 0.659, "top": top, "calibration": deciles},
            "true_risk": None,
        },
        tmp_path / "published",
    )
    sign_in(page, "gp")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Case finding").click()
    expect(page.get_by_role("heading", name="How good is this list?")).to_be_visible()
    expect(page.locator("#model-summary")).to_contain_text("0.781")
    expect(page.locator("#model-summary")).to_contain_text("0.659")
    expect(page.get_by_role("img", name="Calibration by decile of predicted risk")).to_be_visible()
    expect(page.locator("#model-top")).to_contain_text("Top 0.5%")
    assert_accessible(page)
