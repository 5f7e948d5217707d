"""Journeys of a user living in the planner: one plan over days, edits, imports, undo."""
