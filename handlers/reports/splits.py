"""The splits beside `/stats`'s figures and in the monthly report: by organisation, and the
volunteers by gender and age band (`models/reports/splits.py` says how they are counted)."""

from __future__ import annotations

from handlers import formatting
from handlers.context import Context
from models.reports.splits import AGE_BANDS, UNSTATED_AGE, Gender, People, Split


def _band(ctx: Context, lowest: int) -> str:
    if lowest == UNSTATED_AGE:
        return ctx.t("stats.age_unstated")
    following = [age for age in AGE_BANDS if age > lowest]
    if lowest == 0:
        return ctx.t("stats.age_under", age=following[0])
    if not following:
        return ctx.t("stats.age_over", age=lowest)
    return ctx.t("stats.age_between", lowest=lowest, highest=following[0] - 1)


def people_lines(ctx: Context, people: People) -> list[tuple[str, int]]:
    """(what, how many) for each gender, then each age band."""
    genders = [(ctx.t(f"stats.gender_{gender}"), people.genders[gender]) for gender in Gender]
    ages = [(_band(ctx, lowest), count) for lowest, count in people.ages.items()]
    return genders + ages


def summary_lines(ctx: Context, split: Split, *, one_team: bool) -> list[str]:
    """The lines `/stats` adds: by organisation (not for one team), by gender and age."""
    lines: list[str] = []
    if split.organisations and not one_team:
        lines += ["", ctx.t("stats.by_organisation")]
        lines += [
            ctx.t(
                "stats.organisation_line",
                name=line.name,
                teams=line.teams,
                participations=line.service.participations,
                hours=formatting.duration(ctx.texts, ctx.lang, line.service.minutes),
            )
            for line in split.organisations
        ]
    if split.people.stated:
        shown = [
            ctx.t("stats.people_item", what=w, count=n) for w, n in people_lines(ctx, split.people)
        ]
        genders = len(Gender)
        lines += [
            "",
            ctx.t("stats.by_person"),
            formatting.joined(ctx.texts, ctx.lang, shown[:genders]),
            formatting.joined(ctx.texts, ctx.lang, shown[genders:]),
        ]
    return lines
