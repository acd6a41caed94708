"""Importers for FHIR R4 and Adult Social Care Client Level Data, with validation reports."""
