"""Reminders and other timed messages: reminders before shifts (rows claimed with a lease), what a
volunteer chooses to be sent, and coordinators' alerts and digests.
"""
