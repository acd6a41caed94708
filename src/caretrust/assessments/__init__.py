"""Joint health and Care Act assessment and eligibility decisions."""
