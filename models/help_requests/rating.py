"""The resident's rating of the help they were given: 1 to 5, once the request is done, then
an optional comment the coordinators read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Conflict, InvalidInput, NotAllowed
from models.help_requests.tables import HelpRequest, HelpRequestStatus
from models.help_requests.triage import _record, _state, lock
from models.publishing import activity_input

COMMENT_MAX_CHARS = 1000
RATINGS = range(1, 6)


async def _own(session: AsyncSession, request_id: int, by: int) -> HelpRequest:
    request = await lock(session, request_id)
    if request.requester_telegram_id != by:
        raise NotAllowed("help_not_yours")
    return request


async def rate(
    session: AsyncSession, request_id: int, rating: int, *, by: int, now: datetime
) -> HelpRequest:
    """The resident who asked rates the help they were given, once, after it is done."""
    if rating not in RATINGS:
        raise InvalidInput("help_rating_range", low=RATINGS[0], high=RATINGS[-1])
    request = await _own(session, request_id, by)
    if request.status != HelpRequestStatus.DONE:
        raise Conflict("help_not_done")
    if request.rating is not None:
        raise Conflict("help_already_rated")
    before = _state(request)
    request.rating = rating
    _record(session, request, "rate", by, now, before)
    return request


async def comment(
    session: AsyncSession, request_id: int, text: str, *, by: int, now: datetime
) -> HelpRequest:
    """The resident adds a few words to their rating."""
    text = activity_input.text(text, max_chars=COMMENT_MAX_CHARS, code="help_comment")
    request = await _own(session, request_id, by)
    if request.rating is None:
        raise Conflict("help_not_rated")
    if request.rating_comment is not None:
        raise Conflict("help_already_rated")
    before = _state(request)
    request.rating_comment = text
    _record(session, request, "comment", by, now, before)
    return request
