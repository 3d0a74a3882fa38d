"""The member portal at /members/: contacts of member and investor organizations sign in by an
emailed link and do for themselves what staff do for them (docs/portal.md). Server-rendered
views over crm's, billing's and events' services; no app imports the portal."""
