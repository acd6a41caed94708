"""The shared record: one timeline of health and social care events per person, and About me."""
