"""Recruitment calls: whom a call reaches and what a coordinator may reach (`audience`), the call
itself and the durable outbox with one row per recipient, the senders' claims and outcomes
(`outbox`), control — pause, resume, cancel — and who may use it (`control`), and the shared send
budget (`send_budget`).
"""
