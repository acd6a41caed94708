"""One care plan: goals, planned services, care team, visits, duplicate-visit detection."""
