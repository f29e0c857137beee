"""Groups and channels the bot is a member of, and the activity cards posted in them.

A card shows live places left. Sign-ups only mark a card stale; a background job edits stale
cards, at most once per card per interval, so a busy activity stays within Telegram's limit of
20 messages a minute per group.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.selectable import ScalarSelect

from models import audit
from models.activities.tables import Shift
from models.base import Base, EnumText, UTCDateTime
from models.db import upsert
from models.errors import Conflict

# What kind of Telegram chat the bot was added to (as Telegram names it; private chats are not
# kept).
ChatKind = StrEnum("ChatKind", "GROUP SUPERGROUP CHANNEL")


class GroupChat(Base):
    __tablename__ = "group_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str] = mapped_column(String(256), default="")
    kind: Mapped[ChatKind] = mapped_column(EnumText(ChatKind, 16))
    added_by: Mapped[int | None] = mapped_column(BigInteger, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GroupCard(Base):
    __tablename__ = "group_cards"
    __table_args__ = (
        UniqueConstraint("activity_id", "chat_id", name="uq_group_cards_activity_chat"),
        Index("ix_group_cards_stale", "stale"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("group_chats.chat_id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # None until posted
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    shown_text: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


async def remember_membership(
    session: AsyncSession,
    *,
    chat_id: int,
    title: str,
    kind: ChatKind,
    added_by: int | None,
    active: bool,
    now: datetime,
) -> None:
    """The bot joined or left a group or channel (from a my_chat_member update)."""
    values = {"title": title[:256], "kind": kind, "active": active, "updated_at": now}
    if active and added_by is not None:
        values["added_by"] = added_by
    await session.execute(
        upsert(session, GroupChat)
        .values(chat_id=chat_id, **values)
        .on_conflict_do_update(index_elements=["chat_id"], set_=values)
    )


async def groups_for(session: AsyncSession, telegram_id: int, *, admin: bool) -> list[GroupChat]:
    """Where this person may post cards: groups they added the bot to (every group, for admins)."""
    query = select(GroupChat).where(GroupChat.active.is_(True)).order_by(GroupChat.title)
    if not admin:
        query = query.where(GroupChat.added_by == telegram_id)
    return list(await session.scalars(query))


async def post_card(
    session: AsyncSession, activity_id: int, chat_id: int, *, actor: int, now: datetime
) -> GroupCard:
    """Ask for the card to be posted (the card job sends it); posting twice is refused."""
    existing = await session.scalar(
        select(GroupCard).where(GroupCard.activity_id == activity_id, GroupCard.chat_id == chat_id)
    )
    if existing is not None:
        raise Conflict("card_already_posted")
    card = GroupCard(activity_id=activity_id, chat_id=chat_id, stale=True)
    session.add(card)
    await session.flush()
    audit.record(
        session,
        actor,
        "activity.post_card",
        ("activity", activity_id),
        now,
        after={"chat_id": chat_id},
    )
    return card


async def mark_stale(session: AsyncSession, shift_id: int) -> None:
    """The shift's places changed: its activity's cards need a fresh figure."""
    activity_id = select(Shift.activity_id).where(Shift.id == shift_id).scalar_subquery()
    await _mark(session, activity_id)


async def mark_activity_stale(session: AsyncSession, activity_id: int) -> None:
    """The activity itself changed (title, place, times): its cards need redrawing."""
    await _mark(session, activity_id)


async def _mark(session: AsyncSession, activity_id: int | ScalarSelect[int]) -> None:
    await session.execute(
        update(GroupCard).where(GroupCard.activity_id == activity_id).values(stale=True)
    )


async def due_cards(
    session: AsyncSession, *, edited_before: datetime, limit: int
) -> list[GroupCard]:
    """Stale cards not edited since `edited_before`, oldest first."""
    return list(
        await session.scalars(
            select(GroupCard)
            .where(
                GroupCard.stale.is_(True),
                (GroupCard.edited_at.is_(None)) | (GroupCard.edited_at <= edited_before),
            )
            .order_by(GroupCard.edited_at.nulls_first(), GroupCard.id)
            .limit(limit)
        )
    )


async def chats_edited_since(session: AsyncSession, since: datetime) -> set[int]:
    """Groups where a card was posted or edited after `since` (to space out edits per group)."""
    rows = await session.scalars(
        select(GroupCard.chat_id).where(GroupCard.edited_at > since).distinct()
    )
    return set(rows)
