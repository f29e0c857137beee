"""The chart `/stats` and the monthly report show: confirmed hours (bars) and participations (a
line) per month, as a PNG, in the wording and font of the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.attendance.hours import MINUTES_PER_HOUR
from models.reports.stats import MonthLine

CHART_SIZE_INCHES = (9.0, 4.5)
CHART_DPI = 120  # 1080 × 540 pixels: sharp on a phone, far inside Telegram's photo limits
CHART_HEADROOM = 1.2
HOURS_COLOUR, PARTICIPATIONS_COLOUR = "#4C8BF5", "#E8710A"


@dataclass(frozen=True)
class ChartWording:
    title: str
    hours: str  # the bars' axis and legend
    participations: str  # the line's


def render_chart(months: Sequence[MonthLine], wording: ChartWording, font: Path | None) -> bytes:
    """A PNG of confirmed hours (bars) and participations (a line) per month. Text is set in
    `font` (give a CJK font for Chinese wording; without one, give wording in Latin letters).
    Takes a moment: run it off the event loop."""
    # Imported here: matplotlib takes about half a second to import, which every process that
    # touches the models would pay. The Agg canvas is used directly: no pyplot, no global state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    text = FontProperties(fname=str(font)) if font is not None else FontProperties()
    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    hours_axis = figure.add_subplot()
    counts_axis = hours_axis.twinx()
    places = list(range(len(months)))
    bars = hours_axis.bar(
        places, [m.minutes / MINUTES_PER_HOUR for m in months], color=HOURS_COLOUR, width=0.6
    )
    (line,) = counts_axis.plot(
        places, [m.participations for m in months], color=PARTICIPATIONS_COLOUR, marker="o"
    )
    hours_axis.set_xticks(places, [m.month.strftime("%Y-%m") for m in months], fontsize=8)
    for axis, label, colour in (
        (hours_axis, wording.hours, HOURS_COLOUR),
        (counts_axis, wording.participations, PARTICIPATIONS_COLOUR),
    ):
        axis.set_ylabel(label, fontproperties=text, color=colour)
        # Headroom above the highest bar or point, for the legend in the corner.
        axis.set_ylim(bottom=0, top=max(1.0, axis.get_ylim()[1] * CHART_HEADROOM))
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    hours_axis.set_title(wording.title, fontproperties=text)
    hours_axis.legend(
        [bars, line], [wording.hours, wording.participations], prop=text, loc="upper left"
    )
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png")
    return png.getvalue()
