"""How a rota's rule reads in a chat: "every week on Sat, 09:00–11:00, until Sat 28 Feb"."""

from __future__ import annotations

from datetime import datetime

from handlers import formatting
from handlers.services import Texts
from models.rotas.rules import RulePlan


def hours(texts: Texts, language: str, plan: RulePlan) -> tuple[str, str]:
    """The rule's start and end time of day (the deployment's local time): `09:00`, `11:00`."""
    start, end = (
        texts.when(language, datetime.combine(plan.starts_on, at), "clock")
        for at in (plan.start_time, plan.end_time)
    )
    return start, end


def rule_text(texts: Texts, language: str, plan: RulePlan) -> str:
    """The rule in one line, in `language` (its hours are the deployment's local time)."""
    key = "rotas.every_week" if plan.every_weeks == 1 else "rotas.every_weeks"
    start, end = hours(texts, language, plan)
    text = texts.get(
        language,
        key,
        weeks=plan.every_weeks,
        days=formatting.weekdays(texts, language, plan.weekdays),
        start=start,
        end=end,
    )
    if plan.ends_on is not None:
        until = formatting.calendar_day(texts, language, plan.ends_on)
        text = texts.get(language, "rotas.until", rule=text, day=until)
    return text
