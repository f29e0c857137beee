"""Training and qualifications: courses, the activities that are a course's training sessions,
the courses an activity requires, and the qualifications volunteers hold (earned by attending a
session, granted or withdrawn by a coordinator with a reason), checked when they sign up.
"""
