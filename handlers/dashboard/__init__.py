"""The Mini App's API (issue 18): the coordinators' and volunteers' dashboard, framework-free.

`init_data` checks who is asking (Telegram's signed launch data); `api` answers each endpoint
with the chat's own rules from `models/`. The HTTP glue is `bot/webapp.py`. `chat` is /dashboard
and the chats' menu button that open it.
"""

from handlers.dashboard.chat import router

__all__ = ["router"]
