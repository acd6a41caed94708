"""Who pays for each service: charging rules, financial assessment and pooled budgets."""
