"""Recruitment calls: the call and its audience, the durable outbox with one row per recipient, the
senders' claims and outcomes, control (pause, resume, cancel) and the shared send budget.
"""
