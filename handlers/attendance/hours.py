"""/hours: a volunteer sees their confirmed service hours (all time and this year, credited and
honour apart), their star level with what is left to the next, and their activities; and the
congratulation sent when confirmed hours lift them to a new level."""

from __future__ import annotations

from handlers import formatting
from handlers.context import Context
from handlers.notify import Notifier
from handlers.router import Router
from handlers.services import Texts
from handlers.training import holders
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
    qualified = await holders.own_lines(ctx, ctx.registered_volunteer)
    if totals.activities == 0:
        ctx.say("\n\n".join([ctx.t("hours.none"), *(["\n".join(qualified)] if qualified else [])]))
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
        *star_lines(ctx.texts, ctx.lang, totals.for_stars(policy), policy),
        *(["", *qualified] if qualified else []),
        "",
        ctx.t("hours.activities_header"),
        *(activity_line(ctx.texts, ctx.lang, line) for line in lines),
    ]
    if totals.activities > len(lines):
        text.append(ctx.t("hours.more", count=totals.activities - len(lines)))
    text += ["", ctx.t("hours.certificate_hint")]
    ctx.say("\n".join(text))


def star_lines(texts: Texts, language: str, minutes: int, policy: StarPolicy) -> list[str]:
    """`Star level: ★☆☆☆☆ (1 of 5)` and `42.5 h to ★★` (also in the notice of confirmed hours)."""
    reached = hours.progress(minutes, policy.thresholds)
    if reached.level == 0:
        lines = [texts.get(language, "hours.level_none")]
    else:
        shown = stars(reached.level, reached.levels)
        level, levels = reached.level, reached.levels
        lines = [texts.get(language, "hours.level", stars=shown, level=level, levels=levels)]
    if reached.to_next is None:
        lines.append(texts.get(language, "hours.top_level"))
    else:
        lines.append(
            texts.get(
                language,
                "hours.to_next",
                hours=formatting.duration(texts, language, reached.to_next),
                stars=STAR * (reached.level + 1),
            )
        )
    if not policy.honour_counts:
        lines.append(texts.get(language, "hours.honour_not_counted"))
    return lines


def amount(texts: Texts, language: str, credited: int, honour: int) -> str:
    """`3 hours`, or `3 hours + 30 minutes honour`."""
    if not honour:
        return texts.get(
            language, "hours.line_hours", credited=formatting.duration(texts, language, credited)
        )
    return texts.get(
        language,
        "hours.line_hours_honour",
        credited=formatting.duration(texts, language, credited),
        honour=formatting.duration(texts, language, honour),
    )


def activity_line(texts: Texts, language: str, line: ActivityHours) -> str:
    """`• 7 Jan 2026 Beach clean-up: 3 hours + 30 minutes honour` (also how /verify lists them)."""
    return texts.get(
        language,
        "hours.line",
        dates=formatting.dates(texts, language, line.first_day, line.last_day),
        title=line.title,
        hours=amount(texts, language, line.credited, line.honour),
    )


# ---- for whoever confirms hours -----------------------------------------------------------


def congratulate(notify: Notifier, volunteer: Volunteer, level: int) -> None:
    """Tell the volunteer they reached star `level` (see `hours.level_reached`); whoever
    confirms or changes hours does, through `hours_notices`."""
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
