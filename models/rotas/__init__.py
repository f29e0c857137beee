"""Duty rotas (长期招募, 义工轮值): an activity's recurrence rule, the shifts the scheduler makes
from it a rolling number of weeks ahead, and volunteers' standing slots on it."""
