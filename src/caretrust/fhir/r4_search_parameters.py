"""Canonical URLs of FHIR R4 (4.0.1) SearchParameters: (resource type, code) → url.

Written from R4's search parameter registry (hl7.org/fhir/R4/searchparameter-registry.html, the
same definitions as R4's search-parameters.json) for the pairs scripts/r4_search_parameters.py
lists in WANTED, because no copy of the definitions is installed here; the script replaces this
file from a copy when one is given (ADR 0121). A type without a `subject` parameter in R4
(AllergyIntolerance, Appointment, Consent, EpisodeOfCare, Immunization) has none here."""

_CLINICAL_PATIENT = "http://hl7.org/fhir/SearchParameter/clinical-patient"
_R4 = "http://hl7.org/fhir/SearchParameter/"

DEFINITIONS: dict[tuple[str, str], str] = {
    ("AllergyIntolerance", "patient"): _CLINICAL_PATIENT,
    ("Appointment", "patient"): f"{_R4}Appointment-patient",
    ("CarePlan", "patient"): _CLINICAL_PATIENT,
    ("CarePlan", "subject"): f"{_R4}CarePlan-subject",
    ("CareTeam", "patient"): _CLINICAL_PATIENT,
    ("CareTeam", "subject"): f"{_R4}CareTeam-subject",
    ("Condition", "patient"): _CLINICAL_PATIENT,
    ("Condition", "subject"): f"{_R4}Condition-subject",
    ("Consent", "patient"): _CLINICAL_PATIENT,
    ("DiagnosticReport", "patient"): _CLINICAL_PATIENT,
    ("DiagnosticReport", "subject"): f"{_R4}DiagnosticReport-subject",
    ("DocumentReference", "patient"): _CLINICAL_PATIENT,
    ("DocumentReference", "subject"): f"{_R4}DocumentReference-subject",
    ("Encounter", "patient"): _CLINICAL_PATIENT,
    ("Encounter", "subject"): f"{_R4}Encounter-subject",
    ("EpisodeOfCare", "patient"): _CLINICAL_PATIENT,
    ("Flag", "patient"): _CLINICAL_PATIENT,
    ("Flag", "subject"): f"{_R4}Flag-subject",
    ("Goal", "patient"): _CLINICAL_PATIENT,
    ("Goal", "subject"): f"{_R4}Goal-subject",
    ("Immunization", "patient"): _CLINICAL_PATIENT,
    ("MedicationRequest", "patient"): _CLINICAL_PATIENT,
    ("MedicationRequest", "subject"): f"{_R4}MedicationRequest-subject",
    ("MedicationStatement", "patient"): _CLINICAL_PATIENT,
    ("MedicationStatement", "subject"): f"{_R4}MedicationStatement-subject",
    ("Observation", "patient"): _CLINICAL_PATIENT,
    ("Observation", "subject"): f"{_R4}Observation-subject",
    ("Patient", "birthdate"): f"{_R4}individual-birthdate",
    ("Patient", "family"): f"{_R4}individual-family",
    ("Patient", "gender"): f"{_R4}individual-gender",
    ("Patient", "given"): f"{_R4}individual-given",
    ("Patient", "identifier"): f"{_R4}Patient-identifier",
    ("Patient", "name"): f"{_R4}Patient-name",
    ("Procedure", "patient"): _CLINICAL_PATIENT,
    ("Procedure", "subject"): f"{_R4}Procedure-subject",
    ("QuestionnaireResponse", "patient"): f"{_R4}QuestionnaireResponse-patient",
    ("QuestionnaireResponse", "subject"): f"{_R4}QuestionnaireResponse-subject",
    ("ServiceRequest", "patient"): _CLINICAL_PATIENT,
    ("ServiceRequest", "subject"): f"{_R4}ServiceRequest-subject",
    ("Task", "patient"): f"{_R4}Task-patient",
    ("Task", "subject"): f"{_R4}Task-subject",
}
