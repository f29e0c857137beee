"""Service certificates: issued on request as a PDF, verifiable by anyone with their code.

Each certificate issued is a row: a random code (60 bits, unguessable, so a changed character
names no certificate) and the statement the PDF makes, with a digest over both. `/verify CODE`
answers from that row alone: a PDF whose hours were edited still verifies only to what was
really issued, so the tampering shows. A row rather than an HMAC over the content, because a
verifier has only the code: the server must be able to say what the certificate states, and
a row can do that (and could be withdrawn) without recomputing hours that later change.

The statement keeps the name masked (anyone may verify; the PDF itself shows the full name).
When the volunteer erases their data (`anonymise`) the statement loses the masked name and ID
number and its digest is renewed: the code still verifies as issued, with its hours, naming nobody.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.attendance import hours
from models.attendance.hours import ActivityHours
from models.base import Base, UTCDateTime
from models.errors import NotAllowed
from models.registration.tables import Volunteer

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits
CODE_GROUP = 4  # shown as XXXX-XXXX-XXXX
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

# Where Debian's CJK fonts put their files (`apt-get install fonts-wqy-microhei`). The font must
# have TrueType outlines and cover Latin too: every text on the certificate is set in it.
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


class CertificateFontMissing(RuntimeError):
    """No font that can set the certificate's text (Chinese included) is where we look."""


@dataclass(frozen=True)
class CertificatePolicy:
    """The deployment's certificate settings."""

    issuer: str = ""  # empty: the catalog's default name, in the volunteer's language
    font: str = ""  # a font file; empty: the first of FONT_PATHS that exists


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Statement:
    """What a certificate states, as stored and as `/verify` tells it."""

    name: str | None  # masked; None once the volunteer erased their data
    id_number: str | None  # masked; None when not registered by real name, or erased
    issuer: str
    issued_on: date  # the deployment's local date
    activities: tuple[ActivityHours, ...]

    @property
    def credited(self) -> int:
        return sum(line.credited for line in self.activities)

    @property
    def honour(self) -> int:
        return sum(line.honour for line in self.activities)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id_number": self.id_number,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat(),
            "activities": [
                [
                    a.activity_id,
                    a.title,
                    a.first_day.isoformat(),
                    a.last_day.isoformat(),
                    a.credited,
                    a.honour,
                ]
                for a in self.activities
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Statement:
        return cls(
            name=data["name"],
            id_number=data["id_number"],
            issuer=data["issuer"],
            issued_on=date.fromisoformat(data["issued_on"]),
            activities=tuple(
                ActivityHours(
                    activity_id=activity_id,
                    title=title,
                    first_day=date.fromisoformat(first),
                    last_day=date.fromisoformat(last),
                    credited=credited,
                    honour=honour,
                )
                for activity_id, title, first, last, credited, honour in data["activities"]
            ),
        )

    def digest(self, code: str) -> str:
        canonical = json.dumps(
            self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(f"{code}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A certificate just issued: its code, its statement, and the full name the PDF shows."""

    code: str
    statement: Statement
    full_name: str


def mask_name(name: str) -> str:
    """`王*明`, `王*`, `W*** X*******`: enough to match a person, not to name them."""
    words = name.split()
    if len(words) > 1:
        return " ".join(word[0] + "*" * (len(word) - 1) for word in words)
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def shown_code(code: str) -> str:
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(text: str) -> str | None:
    """The stored form of a typed code (any case, with or without dashes or spaces, O for 0
    and I or L for 1 forgiven); None when it cannot be a code at all."""
    code = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def issue(
    session: AsyncSession, volunteer: Volunteer, *, issuer: str, now: datetime, zone: ZoneInfo
) -> Issued:
    """A certificate of all the volunteer's confirmed hours. Asking again when nothing changed
    on the same day gives the same certificate, not another row."""
    assert volunteer.full_name is not None  # erased volunteers cannot ask
    activities = await hours.activity_hours(session, volunteer.id, zone=zone)
    if not activities:
        raise NotAllowed("no_confirmed_hours")
    statement = Statement(
        name=mask_name(volunteer.full_name),
        id_number=volunteer.id_number_masked if volunteer.is_real_name else None,
        issuer=issuer,
        issued_on=now.astimezone(zone).date(),
        activities=tuple(activities),
    )
    latest = await session.scalar(
        select(Certificate)
        .where(Certificate.volunteer_id == volunteer.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )
    if latest is not None and latest.statement == statement.to_json():
        return Issued(latest.code, statement, volunteer.full_name)
    code = _new_code()
    while await session.scalar(select(Certificate.id).where(Certificate.code == code)):
        code = _new_code()  # 60 random bits: practically never taken
    session.add(
        Certificate(
            code=code,
            volunteer_id=volunteer.id,
            issued_at=now,
            statement=statement.to_json(),
            digest=statement.digest(code),
        )
    )
    await session.flush()
    return Issued(code, statement, volunteer.full_name)


async def anonymise(session: AsyncSession, volunteer_id: int) -> None:
    """The volunteer erased their data: their certificates keep verifying as issued, with the
    hours they state, but name nobody."""
    issued = await session.scalars(
        select(Certificate).where(Certificate.volunteer_id == volunteer_id)
    )
    for found in issued:
        statement = replace(Statement.from_json(found.statement), name=None, id_number=None)
        found.statement = statement.to_json()
        found.digest = statement.digest(found.code)


async def verify(session: AsyncSession, text: str) -> tuple[str, Statement] | None:
    """The code and what its certificate states, if `text` is the code of a genuine one."""
    code = normalise_code(text)
    if code is None:
        return None
    found = await session.scalar(select(Certificate).where(Certificate.code == code))
    if found is None:
        return None
    statement = Statement.from_json(found.statement)
    if statement.digest(code) != found.digest:
        return None  # the stored statement was changed after issue
    return code, statement


# ---- the PDF ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """The certificate's texts in the volunteer's language (from the message catalogs)."""

    title: str
    intro: str
    name: str
    id_number: str
    issuer: str
    issued_on: str  # the label
    date: str  # the issue date, written out
    code: str
    activity: str
    dates: str
    credited: str
    honour: str
    total: str
    verify_note: str


def find_font(configured: str = "") -> Path:
    candidates = (Path(configured),) if configured else FONT_PATHS
    for path in candidates:
        if path.is_file():
            return path
    raise CertificateFontMissing(
        f"no CJK font for certificates at {', '.join(map(str, candidates))}; install "
        "Debian's fonts-wqy-microhei or set CERTIFICATE_FONT to a TrueType font with Chinese"
    )


FONT = "cjk"
PAGE_MARGIN_MM = 20
ACTIVITY_COLUMNS_MM = (62, 46, 31, 31)  # activity, dates, credited h, honour h: 170 mm


def render_pdf(issued: Issued, wording: Wording, font: Path) -> bytes:
    """The certificate as a PDF (A4, as many pages as its activities need). Slow-ish (the font
    is read and subset each time): run it off the event loop."""
    # Imported here: fpdf2 (with Pillow) takes about half a second to import, which every
    # process that touches the models (migrations, the CLI, each test run) would pay.
    from fpdf import FPDF
    from fpdf.fonts import FontFace, TTFFont

    statement = issued.statement
    shown = shown_code(issued.code)

    class Pages(FPDF):
        def footer(self) -> None:
            """Every page carries the code, so a page cannot pass for another certificate's."""
            self.set_y(-PAGE_MARGIN_MM + 5)
            self.set_font(FONT, size=8)
            self.cell(w=0, h=5, text=f"{wording.code} {shown} · {self.page_no()}/{{nb}}", align="C")

    pdf = Pages(format="A4")
    pdf.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    pdf.set_auto_page_break(True, margin=PAGE_MARGIN_MM)
    pdf.set_title(wording.title)
    pdf.set_creator("volbot")
    pdf.add_font(FONT, fname=str(font), collection_font_number=0)
    added = pdf.fonts[FONT]
    assert isinstance(added, TTFFont)  # add_font with a file name makes a TrueType font
    _check_glyphs(added.cmap, font, issued, wording)
    pdf.add_page()

    pdf.set_font(FONT, size=22)
    pdf.cell(w=0, h=14, text=wording.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(w=0, h=6, text=wording.intro, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    facts = [
        (wording.name, issued.full_name),
        (wording.id_number, statement.id_number or "—"),
        (wording.issuer, statement.issuer),
        (wording.issued_on, wording.date),
        (wording.code, shown),
    ]
    for label, value in facts:
        pdf.cell(w=40, h=7, text=label)
        pdf.cell(w=0, h=7, text=value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    plain = FontFace(emphasis="", fill_color=(235, 235, 235))
    pdf.set_font(FONT, size=10)
    with pdf.table(
        col_widths=ACTIVITY_COLUMNS_MM,
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=plain,
        line_height=7,
    ) as table:
        table.row([wording.activity, wording.dates, wording.credited, wording.honour])
        for line in statement.activities:
            table.row(
                [
                    line.title,
                    hours.dates_text(line.first_day, line.last_day),
                    hours.hours_text(line.credited),
                    hours.hours_text(line.honour),
                ]
            )
        table.row(
            [
                wording.total,
                "",
                hours.hours_text(statement.credited),
                hours.hours_text(statement.honour),
            ],
            style=plain,
        )
    pdf.ln(6)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(w=0, h=5, text=wording.verify_note, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _check_glyphs(cmap: Mapping[int, object], font: Path, issued: Issued, wording: Wording) -> None:
    """Refuse a font without a glyph for some character: the PDF would silently drop it (a
    name or title with gaps), which is worse than no certificate."""
    texts = [issued.full_name, issued.statement.issuer, *vars(wording).values()]
    texts += [line.title for line in issued.statement.activities]
    missing = sorted(
        {char for text in texts for char in text if not char.isspace()}
        - {chr(point) for point in cmap}
    )
    if missing:
        raise CertificateFontMissing(
            f"{font} has no glyphs for {''.join(missing[:20])!r}; set CERTIFICATE_FONT to a "
            "font with Chinese, or install Debian's fonts-wqy-microhei"
        )
