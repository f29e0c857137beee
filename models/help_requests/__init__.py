"""Help requests from residents: the requests, dispatches and assignments tables, and the rules
from a request through triage and dispatch (`triage`), turned into an activity (`convert`) or
volunteers asked directly (`assignments`), to a rating (`rating`).
"""
