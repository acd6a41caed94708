"""The single point of contact: intake, triage worklist, routing, closed-loop status."""
