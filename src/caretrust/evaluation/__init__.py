"""The Evaluation pages: did integration work? (issue #22; ADR 80).

Commissioners and analysts run `caretrust.population.evaluation` from the browser as a background
job (ADR 48), read the headline with its interval, the charts, balance and diagnostics, and keep
each evaluation with its parameters, data snapshot and code version so it can be reproduced."""
