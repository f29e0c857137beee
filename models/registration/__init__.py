"""Registration: who a volunteer is (the volunteers table), the checks of what they type (names,
phones, ID numbers), registering, changing a profile and erasing personal data.
"""
