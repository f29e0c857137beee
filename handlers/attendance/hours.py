"""/hours: a volunteer sees their confirmed service hours (all time and this year, credited and
honour apart), their star level with what is left to the next, and their activities; and the
congratulation sent when confirmed hours lift them to a new level."""

from __future__ import annotations

from handlers import formatting
from handlers.context import Context
from handlers.notify import Notifier
from handlers.router import Router
from handlers.services import Texts
from models.attendance import hours
from models.attendance.hours import ActivityHours, StarPolicy
from models.registration.tables import Volunteer

router = Router()

# Lines of activities in one /hours message: with each line well under 200 characters this
# stays inside Telegram's 4,096 characters per message; /certificate lists them all.
HOURS_LIST_MAX = 15
STAR, NO_STAR = "★", "☆"


def stars(level: int, levels: int) -> str:
    """`★★★☆☆`: the level reached out of all there are."""
    return STAR * level + NO_STAR * (levels - level)


@router.command("hours", menu=30, registered=True)
async def show_hours(ctx: Context) -> None:
    """The volunteer asked for their hours and stars."""
    zone, policy = ctx.deployment.zone, ctx.deployment.stars
    volunteer_id = ctx.registered_volunteer.id
    totals = await hours.totals(ctx.session, volunteer_id, now=ctx.clock.now(), zone=zone)
    if totals.activities == 0:
        ctx.say(ctx.t("hours.none"))
        return
    lines = await hours.activity_hours(ctx.session, volunteer_id, zone=zone, limit=HOURS_LIST_MAX)
    text = [
        ctx.t("hours.header"),
        ctx.t(
            "hours.all_time",
            total=formatting.duration(ctx.texts, ctx.lang, totals.total),
            credited=formatting.duration(ctx.texts, ctx.lang, totals.credited),
            honour=formatting.duration(ctx.texts, ctx.lang, totals.honour),
        ),
        ctx.t(
            "hours.this_year",
            year=ctx.clock.now().astimezone(zone).year,
            total=formatting.duration(ctx.texts, ctx.lang, totals.year_total),
            credited=formatting.duration(ctx.texts, ctx.lang, totals.year_credited),
            honour=formatting.duration(ctx.texts, ctx.lang, totals.year_honour),
        ),
        "",
        *star_lines(ctx, totals.for_stars(policy), policy),
        "",
        ctx.t("hours.activities_header"),
        *(activity_line(ctx.texts, ctx.lang, line) for line in lines),
    ]
    if totals.activities > len(lines):
        text.append(ctx.t("hours.more", count=totals.activities - len(lines)))
    text += ["", ctx.t("hours.certificate_hint")]
    ctx.say("\n".join(text))


def star_lines(ctx: Context, minutes: int, policy: StarPolicy) -> list[str]:
    """`Star level: ★☆☆☆☆ (1 of 5)` and `42.5 h to ★★`."""
    reached = hours.progress(minutes, policy.thresholds)
    if reached.level == 0:
        lines = [ctx.t("hours.level_none")]
    else:
        shown = stars(reached.level, reached.levels)
        lines = [ctx.t("hours.level", stars=shown, level=reached.level, levels=reached.levels)]
    if reached.to_next is None:
        lines.append(ctx.t("hours.top_level"))
    else:
        lines.append(
            ctx.t(
                "hours.to_next",
                hours=formatting.duration(ctx.texts, ctx.lang, reached.to_next),
                stars=STAR * (reached.level + 1),
            )
        )
    if not policy.honour_counts:
        lines.append(ctx.t("hours.honour_not_counted"))
    return lines


def activity_line(texts: Texts, language: str, line: ActivityHours) -> str:
    """`• 7 Jan 2026 Beach clean-up: 3 hours + 30 minutes honour` (also how /verify lists them)."""
    if line.honour:
        amount = texts.get(
            language,
            "hours.line_hours_honour",
            credited=formatting.duration(texts, language, line.credited),
            honour=formatting.duration(texts, language, line.honour),
        )
    else:
        amount = texts.get(
            language,
            "hours.line_hours",
            credited=formatting.duration(texts, language, line.credited),
        )
    return texts.get(
        language,
        "hours.line",
        dates=formatting.dates(texts, language, line.first_day, line.last_day),
        title=line.title,
        hours=amount,
    )


# ---- for whoever confirms hours -----------------------------------------------------------


def congratulate(notify: Notifier, volunteer: Volunteer, level: int) -> None:
    """Tell the volunteer they reached star `level` (see `hours.level_reached`)."""
    if volunteer.telegram_id is None or not volunteer.reachable:
        return  # erased, or has blocked the bot
    levels = len(notify.deployment.stars.thresholds)
    notify.send(
        volunteer.telegram_id,
        notify.text(
            volunteer.language,
            "hours.congratulations",
            stars=stars(level, levels),
            level=level,
        ),
    )


async def congratulate_if_promoted(
    notify: Notifier, volunteer: Volunteer, before_minutes: int
) -> int | None:
    """After confirming or adjusting hours (flushed): congratulate the volunteer if they reached
    a new level since they had `before_minutes` (from `hours.star_minutes` before the change).
    The level reached, or None."""
    policy = notify.deployment.stars
    after = await hours.star_minutes(notify.session, volunteer.id, policy)
    level = hours.level_reached(before_minutes, after, policy.thresholds)
    if level is not None:
        congratulate(notify, volunteer, level)
    return level
