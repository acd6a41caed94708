"""What people, carers and staff say, and the partnership's own success measures (issue #22 item 3;
ADR 80): an experience survey in the portal, a staff integration pulse survey, and a scorecard of
success measures defined as data, with response rates, small-number suppression and SPC charts."""
