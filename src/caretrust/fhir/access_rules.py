"""Actions of the FHIR API beyond the people index's own."""

from caretrust.access import policy
from caretrust.access.policy import STAFF

policy.register(
    "fhir.read_reference_data",
    "read organisations, practitioners and other records not about a person",
    STAFF,
)
policy.register(
    "fhir.write_reference_data",
    "create, update or delete organisations, practitioners and other records not about a person "
    "over the FHIR API",
    {policy.Role.COORDINATOR},
)
