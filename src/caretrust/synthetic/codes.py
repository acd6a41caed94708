"""Clinical and administrative codes the generator writes.

SNOMED CT concepts for the long-term conditions (each mapped to its electronic Frailty Index
deficit, Clegg et al. 2016), ICD-10 codes for hospital diagnoses, BNF sections for prescriptions
and the NHS Data Dictionary discharge destination codes. Codes marked "checked" appear in the
public eFI SNOMED code lists of `UoM-Data-Science-Platforms/gm-sde`
(`shared/clinical-code-sets/patient/efi-*`); the rest are standard SNOMED CT concepts.
"""

from __future__ import annotations

from typing import NamedTuple

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


class Condition(NamedTuple):
    key: str
    snomed: str
    display: str
    efi_deficit: str
    bnf_sections: tuple[str, ...]  # classes usually prescribed for it (polypharmacy)
    acsc_icd10: tuple[str, ...]  # primary diagnoses of its ambulatory-care-sensitive admissions


#: Conditions in a fixed order: column j of the onset matrix is CONDITIONS[j].
CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "hypertension",
        "38341003",
        "Hypertensive disorder, systemic arterial",
        "hypertension",
        ("0205", "0206"),
        ("I10X",),
    ),
    Condition(
        "type_2_diabetes",
        "44054006",
        "Diabetes mellitus type 2",
        "diabetes",
        ("0601",),
        ("E110", "E115", "E119"),
    ),
    Condition(
        "atrial_fibrillation",
        "49436004",
        "Atrial fibrillation",
        "atrial fibrillation",
        ("0208", "0203"),
        (),
    ),
    Condition(
        "heart_failure",
        "84114007",
        "Heart failure",
        "heart failure",
        ("0202", "0205"),
        ("I500", "I509"),
    ),
    Condition(
        "ischaemic_heart_disease",
        "414545008",
        "Ischemic heart disease",
        "ischaemic heart disease",
        ("0212", "0209", "0206"),
        ("I209", "I259"),
    ),
    Condition(
        "copd",
        "13645005",
        "Chronic obstructive lung disease",
        "respiratory disease",
        ("0301", "0302"),
        ("J440", "J441", "J449"),
    ),
    Condition("asthma", "195967001", "Asthma", "respiratory disease", ("0301", "0302"), ("J459",)),
    Condition(
        "chronic_kidney_disease",
        "709044004",
        "Chronic kidney disease",
        "chronic kidney disease",
        (),
        (),
    ),
    Condition("osteoarthritis", "396275006", "Osteoarthritis", "arthritis", ("0407", "1001"), ()),
    Condition("osteoporosis", "64859006", "Osteoporosis", "osteoporosis", ("0606",), ()),
    Condition("dementia", "52448006", "Dementia", "memory and cognitive problems", ("0411",), ()),
    Condition(
        "parkinsons", "49049000", "Parkinson's disease", "parkinsonism and tremor", ("0409",), ()
    ),
    Condition(
        "stroke",
        "230690007",
        "Cerebrovascular accident",
        "cerebrovascular disease",
        ("0209", "0212"),
        (),
    ),
    Condition("hypothyroidism", "40930008", "Hypothyroidism", "thyroid disease", ("0602",), ()),
    Condition(
        "anaemia", "271737000", "Anemia", "anaemia and haematinic deficiency", ("0901",), ("D509",)
    ),
    Condition("hearing_loss", "15188001", "Hearing loss", "hearing impairment", (), ()),
    Condition("visual_impairment", "397540003", "Visual impairment", "visual impairment", (), ()),
    Condition("dizziness", "404640003", "Dizziness", "dizziness", (), ()),
    Condition("dyspnoea", "267036007", "Dyspnea", "dyspnoea", (), ()),
    Condition(
        "peripheral_vascular_disease",
        "400047006",
        "Peripheral vascular disease",
        "peripheral vascular disease",
        ("0209",),
        (),
    ),
    Condition("peptic_ulcer", "13200003", "Peptic ulcer", "peptic ulcer", ("0103",), ()),
    Condition("insomnia", "193462001", "Insomnia", "sleep disturbance", ("0401",), ()),
    # checked: efi-urinary-incontinence
    Condition(
        "urinary_incontinence",
        "165232002",
        "Urinary incontinence",
        "urinary incontinence",
        ("0704",),
        (),
    ),
    Condition(
        "urinary_tract_infection",
        "68566005",
        "Urinary tract infectious disease",
        "urinary system disease",
        (),
        (),
    ),
    Condition("weight_loss", "89362005", "Weight loss", "weight loss and anorexia", (), ()),
    Condition("hypotension", "45007003", "Low blood pressure", "hypotension/syncope", (), ()),
    Condition(
        "aortic_stenosis", "60573004", "Aortic valve stenosis", "heart valve disease", (), ()
    ),
    # checked: efi-mobility-problems
    Condition(
        "walking_disability",
        "228158008",
        "Walking disability",
        "mobility and transfer problems",
        (),
        (),
    ),
    # checked: efi-housebound
    Condition("housebound", "160689007", "Housebound", "housebound", (), ()),
    # checked: efi-falls
    Condition("falls", "161898004", "Falls", "falls", (), ()),
    Condition("hip_fracture", "5913000", "Fracture of neck of femur", "fragility fracture", (), ()),
    # The three below are not drawn from prevalence: they follow from events (lives alone,
    # receiving home care, moving to a care home). checked: efi-social-vulnerability,
    # efi-care-requirement.
    Condition("lives_alone", "105529008", "Lives alone", "social vulnerability", (), ()),
    Condition("home_help", "160774006", "Home help attends", "requirement for care", (), ()),
    Condition(
        "lives_in_care_home",
        "248171000000108",
        "Lives in care home",
        "requirement for care",
        (),
        (),
    ),
)

CONDITION_INDEX = {c.key: i for i, c in enumerate(CONDITIONS)}

#: Each SNOMED CT code the generator writes, mapped to its eFI deficit name (for code lists).
EFI_DEFICIT_BY_SNOMED: dict[str, str] = {c.snomed: c.efi_deficit for c in CONDITIONS}

#: The 35 coded eFI deficits (Clegg et al. 2016); polypharmacy is the 36th, from prescriptions.
EFI_DEFICITS: tuple[str, ...] = (
    "activity limitation",
    "anaemia and haematinic deficiency",
    "arthritis",
    "atrial fibrillation",
    "cerebrovascular disease",
    "chronic kidney disease",
    "diabetes",
    "dizziness",
    "dyspnoea",
    "falls",
    "foot problems",
    "fragility fracture",
    "hearing impairment",
    "heart failure",
    "heart valve disease",
    "housebound",
    "hypertension",
    "hypotension/syncope",
    "ischaemic heart disease",
    "memory and cognitive problems",
    "mobility and transfer problems",
    "osteoporosis",
    "parkinsonism and tremor",
    "peptic ulcer",
    "peripheral vascular disease",
    "requirement for care",
    "respiratory disease",
    "skin ulcer",
    "sleep disturbance",
    "social vulnerability",
    "thyroid disease",
    "urinary incontinence",
    "urinary system disease",
    "visual impairment",
    "weight loss and anorexia",
)

#: BNF sections used, with their titles (BNF chapter.section, NHSBSA BNF classification).
BNF_SECTIONS: dict[str, str] = {
    "0103": "Antisecretory drugs and mucosal protectants",
    "0202": "Diuretics",
    "0203": "Anti-arrhythmic drugs",
    "0205": "Hypertension and heart failure",
    "0206": "Nitrates, calcium-channel blockers and other antianginal drugs",
    "0208": "Anticoagulants and protamine",
    "0209": "Antiplatelet drugs",
    "0212": "Lipid-regulating drugs",
    "0301": "Bronchodilators",
    "0302": "Corticosteroids (respiratory)",
    "0401": "Hypnotics and anxiolytics",
    "0407": "Analgesics",
    "0409": "Drugs used in parkinsonism and related disorders",
    "0411": "Drugs for dementia",
    "0601": "Drugs used in diabetes",
    "0602": "Thyroid and antithyroid drugs",
    "0606": "Drugs affecting bone metabolism",
    "0704": "Drugs for genito-urinary disorders",
    "0901": "Anaemias and some other blood disorders",
    "1001": "Drugs used in rheumatic diseases and gout",
}

# --- Hospital diagnoses (ICD-10, no dot) --------------------------------------------------------

#: Fall injuries (S00-T98) with their share among fall admissions (hip fracture added separately).
FALL_INJURIES = {"S001": 0.25, "S010": 0.15, "S422": 0.15, "S525": 0.15, "S322": 0.15, "T140": 0.15}
HIP_FRACTURE_ICD10 = "S720"
#: External causes for falls (W00-W19) and their shares (W19 unspecified fall is commonest).
FALL_EXTERNAL_CAUSES = {"W19": 0.55, "W01": 0.25, "W06": 0.10, "W10": 0.10}
#: Other (non-ACSC, non-fall) emergency diagnoses.
OTHER_EMERGENCY_DIAGNOSES = (
    "J189",
    "N390",
    "R074",
    "A419",
    "R55X",
    "K590",
    "R296",
    "L031",
    "I639",
    "K922",
)
#: Elective (planned) diagnoses.
ELECTIVE_DIAGNOSES = ("M161", "M171", "K409", "N400", "C509", "C189", "K802", "I251")

# --- Discharge destinations: contract value -> NHS Data Dictionary code ------------------------

DISCHARGE_DESTINATIONS = (
    "home",
    "home_with_reablement",
    "residential_care",
    "nursing_care",
    "died",
    "other",
)
DISCHARGE_DESTINATION_CODES = {
    "home": "19",
    "home_with_reablement": "19",  # usual place of residence, with reablement arranged
    "residential_care": "65",  # local authority residential accommodation
    "nursing_care": "85",  # non-NHS (other than local authority) run care home: most nursing homes
    "died": "79",
    "other": "51",  # NHS other hospital provider, ward for general patients
}
ENCOUNTER_KINDS = ("gp", "ae", "emergency_admission", "elective_admission")
