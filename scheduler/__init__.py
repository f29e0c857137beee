"""Timed and background work (reminders, deadlines, waiting-list offers, broadcasts)."""
