"""The National Data Opt-out: the cohort the national check cleared, and the filter every
secondary use (analytics, evaluation, the analyst extract) applies before it reads people
(ADR 87)."""
