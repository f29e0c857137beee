"""Organisations above teams: federations and alliances that group teams, and the admins who see
their teams' figures, exports and calls."""
