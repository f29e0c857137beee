"""Help requests from residents: the requests, dispatches and assignments tables, and the rules
from a request through triage and dispatch to a rating.
"""
