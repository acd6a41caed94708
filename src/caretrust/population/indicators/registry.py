"""The published indicators: definition, source and version beside the code that computes them."""

from __future__ import annotations

from caretrust.population.indicators import hospital, social_care
from caretrust.population.indicators.base import Indicator

V = "caretrust 2026.1"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        id="emergency_admissions_65",
        title="Emergency admissions, people aged 65+",
        source="BCF 2025–26 metric (specification not confirmed); indicators.md",
        version=V,
        definition="Emergency admission spells starting in the period of residents aged 65+ at "
        "admission ÷ residents 65+ alive at mid-period × 100,000.",
        unit="per 100,000",
        improvement="lower",
        compute=hospital.emergency_admissions_65,
        per=100_000,
        period_rate=True,
    ),
    Indicator(
        id="emergency_bed_days_65",
        title="Emergency bed days, people aged 65+",
        source="No official specification; convention recommended in indicators.md",
        version=V,
        definition="Sum of bed days (discharge date − admission date; same-day spell = 0) of "
        "emergency spells ending in the period, patients 65+ at admission ÷ residents 65+ at "
        "mid-period × 1,000.",
        unit="per 1,000",
        improvement="lower",
        compute=hospital.emergency_bed_days_65,
        per=1_000,
        period_rate=True,
    ),
    Indicator(
        id="ascof_2b",
        title="ASCOF 2B: permanent admissions to residential and nursing care, aged 18–64",
        source="ASCOF 2023–24 (old 2A(1)), from Client Level Data",
        version=V,
        definition="People whose first ever long-term residential or nursing service started in "
        "the period (transfers and re-admissions do not count), aged 18–64 at the end of the "
        "period ÷ mid-period population aged 18–64 × 100,000.",
        unit="per 100,000",
        improvement="lower",
        compute=social_care.ascof_2b,
        per=100_000,
        period_rate=True,
    ),
    Indicator(
        id="ascof_2c",
        title="ASCOF 2C: permanent admissions to residential and nursing care, aged 65+",
        source="ASCOF 2023–24 (old 2A(2)), from Client Level Data",
        version=V,
        definition="As 2B for people aged 65+ at the end of the period.",
        unit="per 100,000",
        improvement="lower",
        compute=social_care.ascof_2c,
        per=100_000,
        period_rate=True,
    ),
    Indicator(
        id="still_at_home_91",
        title="Older people still at home 91 days after discharge into reablement",
        source="ASCOF old 2B(1), SALT STS004",
        version=V,
        definition="People 65+ discharged from hospital into reablement (destination "
        "home_with_reablement) in October–December: % neither dead, in hospital nor in a "
        "residential/nursing service on day 91 after discharge. Deaths stay in the denominator.",
        unit="%",
        improvement="higher",
        compute=hospital.still_at_home_91,
        per=100,
    ),
    Indicator(
        id="discharge_usual_residence",
        title="Discharges to usual place of residence",
        source="NHS Data Dictionary discharge destination code 19",
        version=V,
        definition="Admitted spells (emergency and elective) ending in the period: % with "
        "discharge destination code 19.",
        unit="%",
        improvement="higher",
        compute=hospital.discharge_usual_residence,
        per=100,
    ),
    Indicator(
        id="falls_65_dsr",
        title="Emergency admissions due to falls, aged 65+, directly age-standardised",
        source="PHOF 22401; European Standard Population 2013",
        version=V,
        definition="Emergency admissions of people 65+ with primary diagnosis S00–T98 and external "
        "cause W00–W19, directly standardised to the ESP 2013 over 5-year bands 65–69 … 90+.",
        unit="per 100,000 (DSR)",
        improvement="lower",
        compute=hospital.falls_65_dsr,
        period_rate=True,
    ),
    Indicator(
        id="avoidable_admissions",
        title="Avoidable emergency admissions: chronic ambulatory care sensitive conditions",
        source="NHS Outcomes Framework 2.3.i, its 11 chronic conditions including dementia and "
        "atrial fibrillation and flutter (crude rate here; the national version is indirectly "
        "standardised)",
        version=V,
        definition="Emergency admissions, not transfers, with a primary diagnosis in "
        "codelists/acsc_chronic_icd10.csv ÷ mid-period population (all ages) × 100,000.",
        unit="per 100,000",
        improvement="lower",
        compute=hospital.avoidable_admissions,
        per=100_000,
        period_rate=True,
    ),
    Indicator(
        id="supported_at_home_65",
        title="People aged 65+ on long-term support: % supported at home (not in care homes)",
        source="ASCOF 2E-like care mix; indicators.md",
        version=V,
        definition="People 65+ with a long-term service open on the last day of the period: % "
        "with community support only (numerator) of all (denominator; the rest are in "
        "residential or nursing care).",
        unit="%",
        improvement="higher",
        compute=social_care.supported_at_home_65,
        per=100,
    ),
    Indicator(
        id="wait_request_to_assessment_median",
        title="Days from request to assessment (median)",
        source="Client Level Data events",
        version=V,
        definition="Requests in the period with an assessment on or after the request: median days "
        "to the first such assessment. Numerator: requests assessed.",
        unit="days",
        improvement="lower",
        compute=social_care.wait_to_assessment_median,
    ),
    Indicator(
        id="wait_request_to_assessment_p90",
        title="Days from request to assessment (90th percentile)",
        source="Client Level Data events",
        version=V,
        definition="As the median, 90th percentile (linear interpolation).",
        unit="days",
        improvement="lower",
        compute=social_care.wait_to_assessment_p90,
    ),
    Indicator(
        id="wait_assessment_to_service_median",
        title="Days from assessment to service start (median)",
        source="Client Level Data events",
        version=V,
        definition="For requests in the period: days from their first assessment to the first "
        "service starting on or after it; median.",
        unit="days",
        improvement="lower",
        compute=social_care.wait_to_service_median,
    ),
    Indicator(
        id="wait_assessment_to_service_p90",
        title="Days from assessment to service start (90th percentile)",
        source="Client Level Data events",
        version=V,
        definition="As the median, 90th percentile (linear interpolation).",
        unit="days",
        improvement="lower",
        compute=social_care.wait_to_service_p90,
    ),
)

BY_ID = {indicator.id: indicator for indicator in INDICATORS}
