"""Training and qualifications: courses (/courses, for admins and coordinators), their training
sessions and the activities that require them, the holders of a course's qualification (granted
or withdrawn with a reason), and the notices volunteers get of theirs.
"""

from handlers.router import Router
from handlers.training import courses, holders

router = Router.including(courses, holders)

__all__ = ["router"]
