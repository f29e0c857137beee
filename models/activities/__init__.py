"""Activities as volunteers meet them: the activities, shifts and sign-ups tables, finding open
activities, signing up and the waiting list with its offers, sign-up closing, and the cards posted
in groups.
"""
