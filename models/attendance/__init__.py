"""Attendance and hours: checking in and out, a coordinator's review of attendance and hours,
service hours and star levels, and service certificates.
"""
