"""Every rate the synthetic population is drawn from, each with its source.

Figures marked ``SOURCE`` are rounded from the published English statistic named beside them (rounded
to two or three significant figures; check the publication before quoting a figure from here).
Figures marked ``ASSUMPTION`` are our own modelling choices where no single published figure
exists; change them here and nowhere else. Age bands are the start of each band in years.
"""

from __future__ import annotations

import numpy as np

# --- Population structure ---------------------------------------------------------------------

#: Five-year age bands 0-4 ... 85-89, 90+ (start age of each band).
FIVE_YEAR_BANDS = np.arange(0, 95, 5)

#: SOURCE: ONS mid-2021 population estimates, England, persons by five-year band (thousands,
#: rounded). Used only for the shape within "under 65" and within "65+"; each area is then
#: reweighted to its own share aged 65+ (Torbay about 27%: ONS mid-2021 estimates for Torbay UA).
ENGLAND_POPULATION_THOUSANDS = np.array(
    [3245, 3480, 3460, 3170, 3450, 3800, 3950, 3800, 3560, 3640, 3960, 3880, 3340,
     2880, 2890, 2100, 1470, 870, 530],
    dtype=float,
)  # fmt: skip

#: SOURCE: ONS mid-2021 estimates, England: share of each five-year band that is female.
FEMALE_SHARE = np.array(
    [0.49, 0.49, 0.49, 0.49, 0.49, 0.50, 0.505, 0.51, 0.51, 0.51, 0.51, 0.51, 0.51,
     0.52, 0.53, 0.54, 0.57, 0.61, 0.69]
)  # fmt: skip

#: SOURCE: ONS mid-2021, Torbay UA: about 27% of residents aged 65 and over.
TORBAY_SHARE_65_PLUS = 0.27
#: ASSUMPTION: a comparison coastal/rural area slightly younger than Torbay.
COMPARISON_SHARE_65_PLUS = 0.25

# --- Mortality --------------------------------------------------------------------------------

#: SOURCE: ONS National life tables, England 2018-2020: annual probability of death (per 1,000)
#: at the middle of each five-year band, female then male (rounded).
DEATHS_PER_1000_FEMALE = np.array(
    [0.8, 0.1, 0.1, 0.2, 0.2, 0.3, 0.4, 0.7, 1.1, 1.7, 2.5, 3.7, 5.6,
     8.6, 14.0, 24.0, 44.0, 83.0, 200.0]
)  # fmt: skip
DEATHS_PER_1000_MALE = np.array(
    [0.9, 0.1, 0.1, 0.3, 0.5, 0.6, 0.8, 1.2, 1.7, 2.6, 3.8, 5.7, 8.9,
     13.5, 21.0, 35.0, 62.0, 110.0, 230.0]
)  # fmt: skip

#: ASSUMPTION: people living in a care home die at this multiple of the age/sex/frailty rate
#: (care home residents' mortality is several times the community rate; ONS deaths of care home
#: residents, 2019, suggest more than two).
CARE_HOME_MORTALITY_MULTIPLIER = 2.5

#: SOURCE: ONS deaths registered by place of occurrence, England 2019: about 44% in hospital.
HOSPITAL_DEATH_SHARE = 0.44
#: ASSUMPTION: people living in a care home die in hospital less often.
HOSPITAL_DEATH_SHARE_CARE_HOME = 0.25

# --- Frailty (electronic Frailty Index) -------------------------------------------------------

#: SOURCE: Clegg et al., Age and Ageing 2016;45(3):353-360: deficits bounding fit / mild /
#: moderate / severe (eFI 0.12 / 0.24 / 0.36 of 36 deficits).
EFI_CATEGORY_UPPER_DEFICITS = (4, 8, 12)
#: SOURCE: Clegg et al. 2016, one-year adjusted hazard ratios vs fit (mild, moderate, severe).
MORTALITY_HR = np.array([1.0, 1.92, 3.10, 4.52])
HOSPITALISATION_HR = np.array([1.0, 1.93, 3.04, 4.73])
#: SOURCE: Clegg et al. 2016 (the eFI's 36th deficit, polypharmacy: 5 or more different medicines
#: in 12 months, as caretrust.population.frailty.PolypharmacyRule counts it on the record).
POLYPHARMACY_MIN_CLASSES = 5
#: ASSUMPTION: care home admission, A&E and reablement follow the hospitalisation ratios; GP
#: contacts rise more gently (square root of them).
CARE_HOME_HR = HOSPITALISATION_HR
GP_CONTACT_HR = np.sqrt(HOSPITALISATION_HR)
#: ASSUMPTION: sd of a person's log "multimorbidity propensity", shared by all conditions, so
#: conditions cluster in the same people as they do in practice.
CONDITION_PROPENSITY_SD = 0.6

# --- Broad age bands for activity rates -------------------------------------------------------

#: Start ages of the broad bands used for activity: 0-17, 18-44, 45-64, 65-74, 75-84, 85+.
BROAD_BANDS = np.array([0, 18, 45, 65, 75, 85])

#: SOURCE: NHS Digital Hospital Episode Statistics (HES) Admitted Patient Care 2022-23, emergency
#: admissions per 1,000 population by age (rounded; 65+ overall about 250 per 1,000).
EMERGENCY_ADMISSIONS_PER_1000 = np.array([75.0, 70.0, 90.0, 160.0, 290.0, 520.0])
#: SOURCE: HES APC 2022-23, elective ordinary (not day-case) admissions per 1,000 (rounded).
ELECTIVE_ADMISSIONS_PER_1000 = np.array([10.0, 15.0, 30.0, 55.0, 60.0, 35.0])
#: SOURCE: NHS Digital Hospital Accident & Emergency Activity 2022-23, attendances per 1,000 by
#: age (rounded), less the ones that end in admission (modelled separately below).
AE_ATTENDANCES_NOT_ADMITTED_PER_1000 = np.array([300.0, 260.0, 190.0, 150.0, 190.0, 280.0])
#: ASSUMPTION: share of emergency admissions that arrive through A&E (about 70% in HES).
AE_SHARE_OF_EMERGENCY_ADMISSIONS = 0.70
#: ASSUMPTION (from NHS Digital Appointments in General Practice 2023: about 5.5 appointments per
#: person a year, roughly 45% with a GP): GP contacts per person-year by broad band.
GP_CONTACTS_PER_YEAR = np.array([1.5, 1.8, 2.5, 3.5, 4.5, 5.5])

#: SOURCE: HES APC 2022-23 mean length of stay (days) of emergency spells by broad band (rounded).
EMERGENCY_MEAN_LOS_DAYS = np.array([2.0, 3.0, 4.5, 6.5, 8.5, 10.5])
#: SOURCE: HES APC 2022-23, fractured neck of femur spells last about 20 days (rounded).
HIP_FRACTURE_MEAN_LOS_DAYS = 20.0
#: ASSUMPTION: elective ordinary admissions stay about 3 days.
ELECTIVE_MEAN_LOS_DAYS = 3.0
#: ASSUMPTION: the share of emergency admissions admitted by transfer from another hospital.
TRANSFER_SHARE = 0.01

#: SOURCE: PHOF 22401 (falls, 65+, about 2,100 per 100,000) against about 25,000 emergency
#: admissions per 100,000 65+ (HES): about 9% of admissions 65+ are falls; ASSUMPTION below 65.
FALL_SHARE_OF_EMERGENCY = np.array([0.03, 0.03, 0.04, 0.06, 0.09, 0.13])
#: SOURCE: NHS OF 2.3.i, chronic ACSC are about 15% of emergency admissions 65+ (rounded).
ACSC_SHARE_OF_EMERGENCY = np.array([0.05, 0.07, 0.12, 0.16, 0.17, 0.16])
#: SOURCE: National Hip Fracture Database 2022: about 25% of fall admissions 65+ are hip fractures
#: (about 70,000 hip fractures against about 280,000 fall admissions; rounded).
HIP_FRACTURE_SHARE_OF_FALLS = 0.25

#: ASSUMPTION, informed by SALT STS004 denominators (about 3-4% of discharges 65+ go to
#: reablement): probability an emergency discharge home is home with reablement, by broad band.
REABLEMENT_DISCHARGE_SHARE = np.array([0.0, 0.005, 0.01, 0.03, 0.06, 0.09])
#: ASSUMPTION: discharges coded "other" (e.g. to another NHS provider).
OTHER_DISCHARGE_SHARE = 0.02

# --- Adult social care ------------------------------------------------------------------------

#: SOURCE: ASCOF 2B/2C 2022-23 (NHS Digital ASC-FR/SALT): long-term needs met by admission to
#: residential or nursing care, about 14.6 per 100,000 aged 18-64 and 560 per 100,000 aged 65+.
#: Split by broad band is an ASSUMPTION chosen to reproduce those totals.
CARE_HOME_ADMISSIONS_PER_100000 = np.array([0.0, 7.0, 25.0, 150.0, 600.0, 2000.0])
#: ASSUMPTION: share of care home admissions that are to nursing (rather than residential) care.
NURSING_SHARE_OF_CARE_HOME = 0.35
#: ASSUMPTION: share of care home admissions that follow directly from a hospital stay.
CARE_HOME_AFTER_HOSPITAL_SHARE = 0.45

#: SOURCE: SALT STS001 2022-23: about 2.0 million requests for support from new clients aged 18+,
#: 1.35 million of them aged 65+ (about 125 per 1,000 65+). Band split is an ASSUMPTION.
COMMUNITY_REQUESTS_PER_1000 = np.array([0.0, 8.0, 15.0, 55.0, 140.0, 330.0])
#: SOURCE: SALT STS001 2022-23 (what happened next), rounded; CLD Release 2 outcome values.
REQUEST_OUTCOMES = {
    "nfa_information_and_advice_or_signposting": 0.30,
    "progress_to_assessment_review_or_reassessment": 0.28,
    "progress_to_reablement_st_max": 0.10,
    "nfa_no_services_offered_for_other_reason": 0.10,
    "nfa_referral_to_other_service_within_the_local_authority": 0.07,
    "nfa_self_funded_client_or_under_12wk_disregard": 0.05,
    "nfa_support_declined": 0.05,
    "progress_to_support_planning_or_services": 0.05,
}
#: ASSUMPTION: share of long-term assessments that find eligible needs.
ELIGIBLE_NEEDS_SHARE = 0.65
#: SOURCE: SALT STS002a 2022-23 (what happened after reablement), rounded.
REABLEMENT_OUTCOMES = {
    "nfa_support_ended_as_planned": 0.62,
    "progress_to_support_planning_or_services": 0.28,
    "admitted_to_hospital": 0.05,
    "nfa_support_ended_for_other_reason": 0.05,
}
#: SOURCE: ASCOF 1C(2A) 2022-23: about 26% of community service users take a direct payment.
DIRECT_PAYMENT_SHARE = 0.26
#: SOURCE: Care Act statutory guidance: reviews of care plans at least every 12 months.
REVIEW_INTERVAL_DAYS = 365
#: SOURCE: NHS/DHSC hospital discharge guidance: reablement lasts up to six weeks.
REABLEMENT_MAX_DAYS = 42
#: ASSUMPTION: share of people on long-term community support whose unpaid carer is assessed.
CARER_ASSESSMENT_SHARE = 0.35

#: Unit costs in 2022-23 prices: SOURCE NHS Digital Adult Social Care Activity and Finance Report
#: (ASC-FR) 2022-23 (home care about £25/hour; care home 65+ about £850/week residential,
#: £1,050/week nursing; rounded). Reablement, direct payment and carer support are ASSUMPTIONS.
UNIT_COSTS_2022 = {
    "home_care": (25.0, "hourly"),
    "direct_payment": (350.0, "weekly"),
    "residential_care": (850.0, "weekly"),
    "nursing_care": (1050.0, "weekly"),
    "reablement": (30.0, "hourly"),
    "carer_direct_payment": (300.0, "one_off"),
}
#: ASSUMPTION: unit costs uplift 3% a year from 2022-23.
UNIT_COST_UPLIFT = 0.03
#: SOURCE: ASC-FR 2022-23, about 14 planned home care hours a week (mean; rounded).
HOME_CARE_MEAN_HOURS = 14.0
#: ASSUMPTION: reablement packages plan about 10 hours a week.
REABLEMENT_MEAN_HOURS = 10.0

# --- Households and carers --------------------------------------------------------------------

#: SOURCE: ONS Families and Households 2022: share living alone by broad band (rounded).
LIVES_ALONE_SHARE = np.array([0.0, 0.10, 0.15, 0.25, 0.38, 0.58])
#: ASSUMPTION: probability of having an unpaid carer by eFI category (fit, mild, moderate,
#: severe), halved for people living alone. Census 2021 counts about 5 million unpaid carers.
HAS_UNPAID_CARER_BY_FRAILTY = np.array([0.03, 0.20, 0.40, 0.55])
#: SOURCE: NHS England National Data Opt-out statistics, 2024: about 5.4% of patients.
OPT_OUT_SHARE = 0.054

# --- Long-term conditions ---------------------------------------------------------------------

#: Ages at which the prevalence curves below are given.
PREVALENCE_AGES = np.array([20, 40, 55, 65, 75, 85, 95])
#: SOURCE: NHS Digital Quality and Outcomes Framework 2022-23 prevalence and published age
#: profiles (e.g. Barnett et al., Lancet 2012 for multimorbidity by age), rounded; where no
#: register exists (dizziness, dyspnoea, sleep, weight loss, hearing, vision, mobility,
#: housebound, falls) the curve is an ASSUMPTION. Keys are condition keys in ``codes.py``.
PREVALENCE_BY_AGE = {
    "hypertension": [0.01, 0.05, 0.18, 0.35, 0.52, 0.62, 0.65],
    "type_2_diabetes": [0.002, 0.02, 0.08, 0.14, 0.19, 0.20, 0.18],
    "atrial_fibrillation": [0.0, 0.001, 0.01, 0.04, 0.10, 0.17, 0.20],
    "heart_failure": [0.0, 0.001, 0.005, 0.015, 0.04, 0.09, 0.13],
    "ischaemic_heart_disease": [0.0, 0.003, 0.03, 0.08, 0.14, 0.20, 0.22],
    "copd": [0.0, 0.002, 0.02, 0.05, 0.08, 0.09, 0.09],
    "asthma": [0.08, 0.08, 0.08, 0.09, 0.09, 0.09, 0.09],
    "chronic_kidney_disease": [0.0, 0.003, 0.02, 0.06, 0.15, 0.30, 0.40],
    "osteoarthritis": [0.0, 0.02, 0.10, 0.20, 0.30, 0.38, 0.42],
    "osteoporosis": [0.0, 0.002, 0.02, 0.06, 0.12, 0.20, 0.25],
    "dementia": [0.0, 0.0, 0.001, 0.01, 0.05, 0.16, 0.35],
    "parkinsons": [0.0, 0.0, 0.001, 0.004, 0.01, 0.02, 0.02],
    "stroke": [0.0, 0.001, 0.01, 0.03, 0.06, 0.10, 0.12],
    "hypothyroidism": [0.005, 0.02, 0.04, 0.06, 0.08, 0.09, 0.09],
    "anaemia": [0.01, 0.02, 0.03, 0.05, 0.09, 0.15, 0.20],
    "hearing_loss": [0.005, 0.01, 0.04, 0.09, 0.18, 0.30, 0.40],
    "visual_impairment": [0.002, 0.004, 0.01, 0.02, 0.05, 0.12, 0.20],
    "dizziness": [0.01, 0.02, 0.04, 0.07, 0.12, 0.18, 0.22],
    "dyspnoea": [0.005, 0.01, 0.03, 0.06, 0.10, 0.15, 0.18],
    "peripheral_vascular_disease": [0.0, 0.001, 0.006, 0.015, 0.03, 0.05, 0.06],
    "peptic_ulcer": [0.002, 0.01, 0.02, 0.03, 0.04, 0.05, 0.05],
    "insomnia": [0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.13],
    "urinary_incontinence": [0.002, 0.01, 0.03, 0.06, 0.10, 0.18, 0.25],
    "urinary_tract_infection": [0.02, 0.03, 0.04, 0.06, 0.10, 0.16, 0.20],
    "weight_loss": [0.0, 0.002, 0.005, 0.01, 0.03, 0.06, 0.10],
    "hypotension": [0.002, 0.004, 0.01, 0.02, 0.04, 0.07, 0.09],
    "aortic_stenosis": [0.0, 0.0, 0.002, 0.01, 0.03, 0.05, 0.06],
    "walking_disability": [0.002, 0.005, 0.02, 0.04, 0.10, 0.25, 0.40],
    "housebound": [0.0, 0.0, 0.002, 0.005, 0.02, 0.08, 0.18],
    "falls": [0.0, 0.002, 0.01, 0.03, 0.08, 0.18, 0.28],
    "hip_fracture": [0.0, 0.0, 0.001, 0.005, 0.015, 0.04, 0.07],
}
#: ASSUMPTION: share of adults 65+ living alone who have "Lives alone" coded by their practice.
LIVES_ALONE_CODED_SHARE = 0.5

#: ASSUMPTION: prescription issues are 12-week (84-day) repeats, the common NHS repeat interval.
PRESCRIPTION_INTERVAL_DAYS = 84

# --- Heterogeneity and places for evaluation ---------------------------------------------------

#: ASSUMPTION: each person carries a persistent latent risk multiplier, gamma with mean 1 and this
#: variance, on top of age, sex and frailty. Counts of emergency admissions are overdispersed well
#: beyond what age and frailty explain (negative binomial fits of admissions typically need a
#: dispersion near 1), and last year's admissions predict next year's: with variance 1 a person
#: with an admission has about twice the next-year rate of others in the same age band and eFI
#: category. Emergency admissions and A&E take the multiplier in full; GP contacts and care home
#: admissions take it to the power below (more weakly).
PERSON_RISK_VARIANCE = 1.0
PERSON_RISK_WEAK_POWER = 0.5

#: ASSUMPTION: donor areas' emergency admission levels vary with a log-sd of 0.10 (English local
#: authorities' age-standardised rates vary by roughly +-20%), and their linear trends with an sd
#: of 1 percentage point a year; their shares aged 65+ are drawn from this range.
DONOR_LEVEL_LOG_SD = 0.10
DONOR_TREND_SD = 0.01
DONOR_SHARE_65_PLUS_RANGE = (0.20, 0.30)
