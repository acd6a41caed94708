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
policy.register(
    "fhir.export_for_secondary_use",
    "export the whole shared record over FHIR Bulk Data for an approved secondary use (people "
    "who opted out left out; pseudonymised unless approved for identifiable data)",
    {policy.Role.ANALYST},
)
