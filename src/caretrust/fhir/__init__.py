"""FHIR R4 REST API over the same domain."""
