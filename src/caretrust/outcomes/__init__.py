"""Find and measure in the web app: published outcome indicators with SPC charts for commissioners,
and the case-finding list of people at highest risk for co-ordinators and GP practices."""
