"""Who holds a course's qualification: a coordinator lists the holders of a course (from its
screen in /courses), withdraws one with a reason, or grants it by hand (found by phone number)
with a reason, each asked to confirm first; the volunteer is told. Volunteers are also told of a
qualification their confirmed attendance at a training session earned them (`tell_earned`, called
by the hours notices), and /profile and /hours list theirs (`held_lines`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers import formatting, paging
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.notify import Notifier, notifier
from handlers.router import Router
from handlers.services import Texts

# The module, not its names: the course's screen makes this module's buttons, and this
# module's lists have a button back to it.
from handlers.training import courses as course_screen
from models.errors import Conflict, InvalidInput
from models.registration.tables import Volunteer, VolunteerStatus
from models.registration.validation import normalize_phone
from models.teams.tables import Role
from models.training import courses, qualifications
from models.training.qualifications import Held
from models.training.tables import Course, Qualification

router = Router()


def held_lines(texts: Texts, language: str, held: Sequence[Held], zone: ZoneInfo) -> list[str]:
    """`🎓 First aid, valid until 6 Jan 2028` for each valid qualification (none: no lines)."""
    lines = []
    for item in held:
        expires = item.qualification.expires_at
        if expires is None:
            lines.append(texts.get(language, "qualifications.line", course=item.course.name))
            continue
        day = _day(texts, language, expires, zone)
        lines.append(
            texts.get(language, "qualifications.line_until", course=item.course.name, until=day)
        )
    return lines


def _day(texts: Texts, language: str, moment: datetime, zone: ZoneInfo) -> str:
    """`6 Jan 2028`: an expiry is often years away, so with its year."""
    day = moment.astimezone(zone).date()
    return formatting.dates(texts, language, day, day)


async def own_lines(ctx: Context, volunteer: Volunteer) -> list[str]:
    """The volunteer's valid qualifications under a header, for /profile and /hours."""
    held = await qualifications.held_by(ctx.session, {volunteer.id}, now=ctx.clock.now())
    mine = held.get(volunteer.id, [])
    if not mine:
        return []
    lines = held_lines(ctx.texts, ctx.lang, mine, ctx.deployment.zone)
    return [ctx.t("qualifications.header"), *lines]


# ---- telling volunteers -----------------------------------------------------------------------


def _tell(notify: Notifier, volunteer: Volunteer, key: str, **params: object) -> None:
    if volunteer.telegram_id is None or not volunteer.reachable:
        return  # erased, or has blocked the bot
    notify.send(volunteer.telegram_id, notify.text(volunteer.language, key, **params))


def _until(notify: Notifier, language: str, qualification: Qualification) -> str:
    expires = qualification.expires_at
    if expires is None:
        return notify.text(language, "qualifications.no_expiry")
    day = _day(notify.texts, language, expires, notify.deployment.zone)
    return notify.text(language, "qualifications.until", until=day)


async def tell_earned(notify: Notifier, signup_ids: Sequence[int]) -> None:
    """Tell those whose confirmed attendance just earned a course's qualification."""
    for _, held in await qualifications.granted_with(notify.session, list(signup_ids)):
        language = held.volunteer.language
        _tell(
            notify,
            held.volunteer,
            "qualifications.told_earned",
            course=held.course.name,
            until=_until(notify, language, held.qualification),
        )


# ---- the holders of a course ------------------------------------------------------------------


class OnCourse(Button):
    """The family of the buttons about one course (its screen is `courses`)."""

    course_id: int


class ListHolders(OnCourse, action="crs.holders", lasting=True):
    """A coordinator wants to see who holds the course's qualification."""


class TurnHoldersPage(OnCourse, action="crs.holders_page", lasting=True):
    """A coordinator turns a page of a long list of holders."""

    page: int


@router.button(ListHolders, TurnHoldersPage, role=Role.COORDINATOR, refusal="courses_not_staff")
async def list_holders(ctx: Context, listing: OnCourse) -> None:
    """The holders by name, each with their expiry and a Withdraw button, a page at a time."""
    course = await courses.course(ctx.session, listing.course_id)
    held = await qualifications.holders(ctx.session, course.id, now=ctx.clock.now())
    lines = held_lines(ctx.texts, ctx.lang, held, ctx.deployment.zone)
    entries = [
        paging.Entry(
            f"{number}. {item.volunteer.full_name or '—'}: {line}",
            (
                ctx.button(
                    ctx.t("qualifications.withdraw", number=number),
                    WithdrawQualification(item.qualification.id),
                ),
            ),
        )
        for number, (item, line) in enumerate(zip(held, lines, strict=True), start=1)
    ]
    back = [ctx.button(ctx.t("courses.back"), course_screen.ShowCourse(course.id))]
    if not entries:
        ctx.edit_pressed(ctx.t("qualifications.no_holders", course=course.name), keyboard(back))
        return
    page = listing.page if isinstance(listing, TurnHoldersPage) else 0
    header = ctx.t("qualifications.holders_header", course=course.name, count=len(entries))
    paging.show(
        ctx,
        header,
        entries,
        page,
        lambda turn: TurnHoldersPage(course.id, turn),
        edit=True,
        per_row=2,
        after=[back],
    )


# ---- granting and withdrawing, with a reason ---------------------------------------------------


class Step(StrEnum):
    PHONE = "phone"  # whom to grant it to
    REASON = "reason"  # why it is granted or withdrawn


# Granting (phone number, then reason) or withdrawing (reason) a qualification; a button confirms.
CHANGE = Flow(
    "qualification",
    Step,
    starts=(Step.PHONE, Step.REASON),
    moves={Step.PHONE: (Step.REASON,)},
)


class GrantQualification(OnCourse, action="qual.grant", lasting=True):
    """A coordinator grants the course's qualification by hand."""


@router.button(GrantQualification, role=Role.COORDINATOR, refusal="courses_not_staff")
async def start_grant(ctx: Context, granting: GrantQualification) -> None:
    """The coordinator wants to grant the qualification: to whom?"""
    course = await courses.course(ctx.session, granting.course_id)
    await CHANGE.begin(ctx, Step.PHONE, course_id=course.id, kind="grant")


@CHANGE.asks(Step.PHONE)
async def _ask_phone(ctx: Context) -> None:
    ctx.say(ctx.t("qualifications.ask_phone"))


@router.step(CHANGE, Step.PHONE, role=Role.COORDINATOR, refusal="courses_not_staff")
async def got_phone(ctx: Context) -> None:
    """The coordinator typed the volunteer's phone number."""
    phone = normalize_phone(ctx.event.text or "", ctx.deployment.phone_region)
    volunteer_id = await ctx.session.scalar(
        select(Volunteer.id).where(
            Volunteer.phone == phone, Volunteer.status == VolunteerStatus.ACTIVE
        )
    )
    if volunteer_id is None:
        raise InvalidInput("qualification_nobody", phone=phone)
    ctx.state.data = {**ctx.state.data, "volunteer_id": volunteer_id}
    await CHANGE.ask(ctx, Step.REASON)


class WithdrawQualification(Button, action="qual.withdraw", lasting=True):
    """A coordinator withdraws a volunteer's qualification (asked why, then to confirm)."""

    qualification_id: int


@router.button(WithdrawQualification, role=Role.COORDINATOR, refusal="courses_not_staff")
async def start_withdraw(ctx: Context, withdrawing: WithdrawQualification) -> None:
    """The coordinator wants to withdraw the qualification: why?"""
    qualification = await _qualification(ctx, withdrawing.qualification_id)
    await CHANGE.begin(
        ctx,
        Step.REASON,
        course_id=qualification.course_id,
        volunteer_id=qualification.volunteer_id,
        qualification_id=qualification.id,
        kind="withdraw",
    )


async def _qualification(ctx: Context, qualification_id: int) -> Qualification:
    qualification = await ctx.session.get(Qualification, qualification_id)
    if qualification is None or qualification.withdrawn_at is not None:
        raise Conflict("qualification_gone")
    return qualification


async def _whom(ctx: Context) -> tuple[Course, Volunteer]:
    data = ctx.state.data
    course = await courses.course(ctx.session, int(data["course_id"]))
    volunteer = await ctx.session.get(Volunteer, int(data["volunteer_id"]))
    if volunteer is None or volunteer.status != VolunteerStatus.ACTIVE:
        raise Conflict("qualification_gone")
    return course, volunteer


@CHANGE.asks(Step.REASON)
async def _ask_reason(ctx: Context) -> None:
    course, volunteer = await _whom(ctx)
    kind = ctx.state.data["kind"]
    ctx.say(
        ctx.t(f"qualifications.ask_reason_{kind}", course=course.name, name=volunteer.full_name)
    )


@router.step(CHANGE, Step.REASON, role=Role.COORDINATOR, refusal="courses_not_staff")
async def got_reason(ctx: Context) -> None:
    """The coordinator gave the reason: asked to confirm."""
    reason = qualifications.checked_reason(ctx.event.text or "")
    ctx.state.data = {**ctx.state.data, "reason": reason}
    course, volunteer = await _whom(ctx)
    kind = ctx.state.data["kind"]
    ctx.say(
        ctx.t(
            f"qualifications.confirm_{kind}",
            course=course.name,
            name=volunteer.full_name,
            reason=reason,
        ),
        keyboard(
            [
                ctx.button(ctx.t(f"qualifications.{kind}_yes"), ConfirmQualificationChange()),
                ctx.button(ctx.t("qualifications.keep"), KeepQualifications()),
            ]
        ),
    )


class ConfirmQualificationChange(Button, action="qual.confirm"):
    """A coordinator confirms the grant or withdrawal they were asked about."""


@router.button(ConfirmQualificationChange, role=Role.COORDINATOR, refusal="courses_not_staff")
async def confirm_change(ctx: Context, _: ConfirmQualificationChange) -> None:
    """The coordinator confirmed: the qualification is granted or withdrawn, the volunteer told."""
    if not ctx.in_step(CHANGE, Step.REASON) or "reason" not in ctx.state.data:
        raise Conflict("qualification_gone")
    course, volunteer = await _whom(ctx)
    data, now = ctx.state.data, ctx.clock.now()
    reason, kind = str(data["reason"]), data["kind"]
    if kind == "grant":
        qualification = await qualifications.grant(
            ctx.session, volunteer, course, reason=reason, actor=ctx.user_id, now=now
        )
    else:
        await _qualification(ctx, int(data["qualification_id"]))
        qualification = await qualifications.withdraw(
            ctx.session, int(data["qualification_id"]), reason=reason, actor=ctx.user_id, now=now
        )
    ctx.finish()
    ctx.edit_pressed(
        ctx.t(f"qualifications.done_{kind}", course=course.name, name=volunteer.full_name)
    )
    notify = notifier(ctx)
    until = _until(notify, volunteer.language, qualification)
    _tell(
        notify,
        volunteer,
        f"qualifications.told_{kind}",
        course=course.name,
        reason=reason,
        until=until,
    )


class KeepQualifications(Button, action="qual.keep"):
    """A coordinator changes their mind: nothing is granted or withdrawn."""


@router.button(KeepQualifications, role=Role.COORDINATOR, refusal="courses_not_staff")
async def keep(ctx: Context, _: KeepQualifications) -> None:
    ctx.finish()
    ctx.edit_pressed(ctx.t("qualifications.kept"))
