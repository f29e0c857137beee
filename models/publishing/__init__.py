"""Publishing: coordinators' activities and shifts made, imported from a file, changed and
cancelled; checks of what they type; a shift's roster; who a call for a short shift goes to.
"""
