"""What every area's pages share, below the areas (ADR 75): the navigation registry each area
registers its sections into, the form-error helper, and parameters read safely. No models, no
views of its own; it imports only Django and `caretrust.access`."""
