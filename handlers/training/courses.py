"""/courses: an admin or coordinator lists the courses, creates one (name, description, how long
its qualification lasts), and from a course's screen names the activities that are its training
sessions and those whose shifts require it. Every button checks the role again on the server."""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.router import Router
from handlers.training.holders import GrantQualification, ListHolders, OnCourse
from models.activities.tables import Activity
from models.publishing import publication
from models.teams.tables import Role
from models.training import courses, qualifications
from models.training.tables import Course

router = Router()
# Activities offered as a course's sessions or requirers: a screen's worth of buttons.
ACTIVITY_CHOICES_MAX = 30


class Step(StrEnum):
    NAME = "name"
    DESCRIPTION = "description"
    VALIDITY = "validity"


# Creating a course: its name, what it teaches, how many months its qualification lasts.
NEW_COURSE = Flow(
    "course",
    Step,
    starts=(Step.NAME,),
    moves={Step.NAME: (Step.DESCRIPTION,), Step.DESCRIPTION: (Step.VALIDITY,)},
)


@router.command("courses", menu=45, role=Role.COORDINATOR, refusal="courses_not_staff")
async def list_courses(ctx: Context) -> None:
    """An admin or coordinator asked for the courses."""
    found = await courses.courses(ctx.session)
    rows = ctx.choices({course.id: course.name[:40] for course in found}, ShowCourse)
    new = [ctx.button(ctx.t("courses.new"), NewCourse())]
    header = ctx.t("courses.header", count=len(found)) if found else ctx.t("courses.none")
    ctx.say(header, keyboard(*rows, new))


class NewCourse(Button, action="crs.new", lasting=True):
    """An admin or coordinator starts a new course."""


@router.button(NewCourse, role=Role.COORDINATOR, refusal="courses_not_staff")
async def start_course(ctx: Context, _: NewCourse) -> None:
    """The coordinator wants a new course: its name?"""
    await NEW_COURSE.begin(ctx, Step.NAME)


@NEW_COURSE.asks(Step.NAME)
async def _ask_name(ctx: Context) -> None:
    ctx.say(ctx.t("courses.ask_name"))


@router.step(NEW_COURSE, Step.NAME, role=Role.COORDINATOR, refusal="courses_not_staff")
async def got_name(ctx: Context) -> None:
    """The coordinator named the course."""
    ctx.state.data = {"name": courses.course_name(ctx.event.text or "")}
    await NEW_COURSE.ask(ctx, Step.DESCRIPTION)


@NEW_COURSE.asks(Step.DESCRIPTION)
async def _ask_description(ctx: Context) -> None:
    ctx.say(ctx.t("courses.ask_description"))


@router.step(NEW_COURSE, Step.DESCRIPTION, role=Role.COORDINATOR, refusal="courses_not_staff")
async def got_description(ctx: Context) -> None:
    """The coordinator described the course (or skipped it with -)."""
    text = (ctx.event.text or "").strip()
    ctx.state.data = {**ctx.state.data, "description": "" if text == "-" else text}
    await NEW_COURSE.ask(ctx, Step.VALIDITY)


@NEW_COURSE.asks(Step.VALIDITY)
async def _ask_validity(ctx: Context) -> None:
    ctx.say(ctx.t("courses.ask_validity", max=courses.VALIDITY_MAX_MONTHS))


@router.step(NEW_COURSE, Step.VALIDITY, role=Role.COORDINATOR, refusal="courses_not_staff")
async def got_validity(ctx: Context) -> None:
    """The coordinator said how long the qualification lasts: the course is made."""
    data = ctx.state.data
    course = await courses.create(
        ctx.session,
        name=str(data["name"]),
        description=str(data["description"]),
        validity_months=courses.validity(ctx.event.text or ""),
        actor=ctx.user_id,
        now=ctx.clock.now(),
    )
    ctx.finish()
    ctx.say(ctx.t("courses.created", name=course.name))
    await _show(ctx, course, edit=False)


# ---- one course ---------------------------------------------------------------------------


class ShowCourse(OnCourse, action="crs.show", lasting=True):
    """An admin or coordinator opens a course."""


@router.button(ShowCourse, role=Role.COORDINATOR, refusal="courses_not_staff")
async def show_course(ctx: Context, showing: ShowCourse) -> None:
    """The coordinator opened a course: what it is, when it runs, who holds it."""
    await _show(ctx, await courses.course(ctx.session, showing.course_id), edit=True)


async def _show(ctx: Context, course: Course, *, edit: bool) -> None:
    now, zone = ctx.clock.now(), ctx.deployment.zone
    sessions, requiring = await courses.links(ctx.session, course.id)
    runs = await courses.next_session(ctx.session, course.id, now=now)
    lines = [
        ctx.t("courses.title", name=course.name),
        *([course.description] if course.description else []),
        ctx.t("courses.validity", months=course.validity_months)
        if course.validity_months
        else ctx.t("courses.no_expiry"),
        ctx.t("courses.next", at=formatting.moment(ctx.texts, ctx.lang, runs, zone))
        if runs
        else ctx.t("courses.next_none"),
        ctx.t("courses.sessions", titles=_titles(ctx, sessions)),
        ctx.t("courses.requiring", titles=_titles(ctx, requiring)),
        ctx.t(
            "courses.holders",
            count=await qualifications.holders_count(ctx.session, course.id, now=now),
        ),
    ]
    markup = keyboard(
        [
            ctx.button(ctx.t("courses.choose_sessions"), ChooseSessions(course.id)),
            ctx.button(ctx.t("courses.choose_requiring"), ChooseRequiring(course.id)),
        ],
        [
            ctx.button(ctx.t("courses.list_holders"), ListHolders(course.id)),
            ctx.button(ctx.t("courses.grant"), GrantQualification(course.id)),
        ],
    )
    ctx.reply("\n".join(lines), markup, edit=edit)


def _titles(ctx: Context, activities: list[Activity]) -> str:
    if not activities:
        return ctx.t("courses.no_activities")
    return formatting.joined(ctx.texts, ctx.lang, [a.title for a in activities])


# ---- which activities are sessions, which require it -----------------------------------------


class ChooseSessions(OnCourse, action="crs.sessions", lasting=True):
    """A coordinator wants to choose the course's training sessions among their activities."""


class ChooseRequiring(OnCourse, action="crs.requiring", lasting=True):
    """A coordinator wants to choose the activities that require the course."""


@router.button(ChooseSessions, ChooseRequiring, role=Role.COORDINATOR, refusal="courses_not_staff")
async def choose_activities(ctx: Context, choosing: OnCourse) -> None:
    """The coordinator is shown their published activities, a button each, the linked ticked."""
    course = await courses.course(ctx.session, choosing.course_id)
    sessions, requiring = await courses.links(ctx.session, course.id)
    is_sessions = isinstance(choosing, ChooseSessions)
    linked = {a.id for a in (sessions if is_sessions else requiring)}
    activities = await publication.managed_activities(
        ctx.session, ctx.user_id, ctx.deployment.admin_ids, limit=ACTIVITY_CHOICES_MAX
    )
    toggle = ToggleSession if is_sessions else ToggleRequirement
    rows = [
        [ctx.button(("✅ " if a.id in linked else "▫️ ") + a.title[:40], toggle(course.id, a.id))]
        for a in activities
    ]
    back = [ctx.button(ctx.t("courses.back"), ShowCourse(course.id))]
    which = "sessions" if is_sessions else "requiring"
    text = ctx.t(f"courses.choose_{which}_help", name=course.name)
    ctx.edit_pressed(text if rows else ctx.t("courses.no_managed"), keyboard(*rows, back))


class OnCourseActivity(OnCourse):
    activity_id: int


class ToggleSession(OnCourseActivity, action="crs.session", lasting=True):
    """A coordinator makes an activity a session of the course, or no longer one."""


class ToggleRequirement(OnCourseActivity, action="crs.require", lasting=True):
    """A coordinator makes an activity require the course, or no longer."""


@router.button(ToggleSession, ToggleRequirement, role=Role.COORDINATOR, refusal="courses_not_staff")
async def toggle(ctx: Context, toggling: OnCourseActivity) -> None:
    """The coordinator ticked or unticked an activity: the list is shown again."""
    course = await courses.course(ctx.session, toggling.course_id)
    activity = await publication.managed_activity(
        ctx.session, ctx.user_id, toggling.activity_id, ctx.deployment.admin_ids
    )
    now = ctx.clock.now()
    if isinstance(toggling, ToggleSession):
        await courses.toggle_session(ctx.session, course, activity, actor=ctx.user_id, now=now)
        await choose_activities(ctx, ChooseSessions(course.id))
    else:
        await courses.toggle_requirement(ctx.session, course, activity, actor=ctx.user_id, now=now)
        await choose_activities(ctx, ChooseRequiring(course.id))
