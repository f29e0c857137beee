"""Service certificates without Telegram: what one states, that its Chinese text is set in an
embedded CJK font and renders (poppler's pdftotext, pdffonts and pdftoppm look at it as a
reader would), and that its code verifies while a changed one does not."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTCollection
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.texts import catalogs
from models.attendance import certificate
from models.attendance.certificate import Certificate, Issued, Wording
from models.errors import NotAllowed
from models.registration.tables import Volunteer
from tests.models.attendance.test_hours import served
from tests.models.world import NOW, volunteer_row

ZONE = ZoneInfo("Asia/Shanghai")
ISSUER = "厦门市海沧区志愿服务联合会"
TITLES = [f"社区环保活动第{n}场" for n in range(1, 21)]
MASKED_ID = "3502**********1234"


def tool(name: str) -> str:
    """A poppler command (Debian's poppler-utils, which .ci/run installs)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is missing: apt-get install poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def font() -> Path:
    try:
        return certificate.find_font()
    except certificate.CertificateFontMissing as missing:
        if os.environ.get("CI"):
            pytest.fail(str(missing))
        pytest.skip(str(missing))


async def volunteer_with_20_activities(session: AsyncSession) -> Volunteer:
    volunteer = volunteer_row(name="王小明", language="zh-CN", real_name=True)
    volunteer.id_number_masked = MASKED_ID
    session.add(volunteer)
    await session.flush()
    for n, title in enumerate(TITLES, start=1):
        starts_at = datetime(2025, 3, n, 1, tzinfo=UTC)
        await served(
            session, volunteer, starts_at, credited=60 * n + 15, honour=30 * (n % 2), title=title
        )
    return volunteer


async def issue(session: AsyncSession, volunteer: Volunteer, now: datetime = NOW) -> Issued:
    return await certificate.issue(session, volunteer, issuer=ISSUER, now=now, zone=ZONE)


def chinese_wording(issued: Issued) -> Wording:
    def t(key: str, **params: object) -> str:
        return catalogs().get("zh-CN", f"certificate.{key}", **params)

    code = certificate.shown_code(issued.code)
    return Wording(
        title=t("title"),
        intro=t("intro", name=issued.full_name),
        name=t("name"),
        id_number=t("id_number"),
        issuer=t("issuer"),
        issued_on=t("issued_on"),
        date=t("date", date=issued.statement.issued_on),
        code=t("code"),
        activity=t("activity"),
        dates=t("dates"),
        credited=t("credited"),
        honour=t("honour"),
        total=t("total"),
        verify_note=t("verify_note", code=code, bot="volbot"),
    )


async def test_a_certificate_states_every_activity_and_its_confirmed_hours(
    session: AsyncSession,
) -> None:
    volunteer = await volunteer_with_20_activities(session)
    issued = await issue(session, volunteer)
    statement = issued.statement

    assert issued.full_name == "王小明"
    assert (statement.name, statement.id_number, statement.issuer) == ("王*明", MASKED_ID, ISSUER)
    assert statement.issued_on == date(2026, 1, 5)  # 09:00 in Xiamen
    assert [line.title for line in statement.activities] == TITLES[::-1]  # most recent first
    assert statement.credited == sum(60 * n + 15 for n in range(1, 21))  # 12,900 min: 215 h
    assert statement.honour == 10 * 30
    stored = await session.scalar(select(Certificate).where(Certificate.code == issued.code))
    assert stored is not None and stored.volunteer_id == volunteer.id
    assert stored.statement["name"] == "王*明"  # no readable name kept for the public check
    assert "王小明" not in str(stored.statement)


async def test_the_pdf_sets_its_chinese_text_in_an_embedded_cjk_font_that_renders(
    session: AsyncSession, tmp_path: Path
) -> None:
    volunteer = await volunteer_with_20_activities(session)
    issued = await issue(session, volunteer)
    wording = chinese_wording(issued)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.render_pdf(issued, wording, font()))
    assert pdf.read_bytes().startswith(b"%PDF-")

    seen = read_as_a_person_would(pdf, tmp_path)

    # The text a reader copies out of it is the Chinese we put in.
    for expected in (
        "志愿服务证明",
        "兹证明王小明参加了以下志愿服务",
        MASKED_ID,
        ISSUER,
        "2026年1月5日",
        certificate.shown_code(issued.code),
        "合计",
        "215",  # 12,900 credited minutes
        *TITLES,
    ):
        assert expected in seen.text, expected

    # Every font in it is the CJK font, embedded (a reader without it sees the same glyphs).
    assert seen.fonts and all("WenQuanYi" in line for line in seen.fonts), seen.fonts
    assert all(line.split()[-5] == "yes" for line in seen.fonts), seen.fonts  # "emb" column

    # The font has a real glyph (not the empty box) for every character we print.
    printed = {char for value in (*TITLES, wording.title, wording.intro, ISSUER) for char in value}
    cmap = TTCollection(str(font())).fonts[0].getBestCmap()
    assert not [char for char in printed if char.strip() and ord(char) not in cmap]

    # Rendered as a reader's screen shows it: the title's band has ink, the margin above none.
    title_band = seen.page.crop((0, 57, seen.page.width, 97))  # 20 mm margin, 14 mm line
    top_margin = seen.page.crop((0, 0, seen.page.width, 50))
    assert dark_pixels(title_band) > 300
    assert dark_pixels(top_margin) == 0


@dataclass
class Seen:
    text: str  # as pdftotext extracts it
    fonts: list[str]  # pdffonts' rows
    page: Image.Image  # the first page, rendered by pdftoppm at 72 dpi, in grey


def read_as_a_person_would(pdf: Path, folder: Path) -> Seen:
    def run(*command: str) -> str:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    text = run(tool("pdftotext"), "-layout", str(pdf), "-")
    fonts = run(tool("pdffonts"), str(pdf)).splitlines()[2:]
    run(tool("pdftoppm"), "-png", "-r", "72", "-f", "1", "-l", "1", str(pdf), str(folder / "page"))
    (png,) = folder.glob("page*.png")
    page = Image.open(io.BytesIO(png.read_bytes())).convert("L")
    return Seen(text, fonts, page)


def dark_pixels(image: Image.Image) -> int:
    return sum(image.histogram()[:128])


async def test_verify_confirms_the_code_and_rejects_a_changed_one(session: AsyncSession) -> None:
    volunteer = await volunteer_with_20_activities(session)
    issued = await issue(session, volunteer)
    shown = certificate.shown_code(issued.code)

    assert await certificate.verify(session, shown) == (issued.code, issued.statement)
    as_typed = f"  {shown.lower().replace('0', 'o').replace('1', 'l')} "
    assert await certificate.verify(session, as_typed) == (issued.code, issued.statement)
    changed = issued.code[:5] + next(c for c in "ABC" if c != issued.code[5]) + issued.code[6:]
    assert await certificate.verify(session, changed) is None
    for nonsense in ("", "ABCD", "not a code at all", "U" * 12):
        assert await certificate.verify(session, nonsense) is None

    # Hours edited in the stored statement no longer match its digest.
    stored = await session.scalar(select(Certificate).where(Certificate.code == issued.code))
    assert stored is not None
    edited = {
        **stored.statement,
        "activities": [[1, "改过的", "2025-03-01", "2025-03-01", 99_999, 0]],
    }
    await session.execute(
        update(Certificate).where(Certificate.id == stored.id).values(statement=edited)
    )
    assert await certificate.verify(session, shown) is None


async def test_asking_again_gives_the_same_certificate_until_hours_change(
    session: AsyncSession,
) -> None:
    volunteer = await volunteer_with_20_activities(session)
    first = await issue(session, volunteer)
    assert (await issue(session, volunteer)).code == first.code
    await served(
        session, volunteer, datetime(2026, 1, 3, 1, tzinfo=UTC), credited=60, title="新活动"
    )
    second = await issue(session, volunteer)
    assert second.code != first.code
    assert len(second.statement.activities) == 21
    # The first still verifies, to what it stated then.
    assert await certificate.verify(session, first.code) == (first.code, first.statement)


async def test_no_confirmed_hours_no_certificate(session: AsyncSession) -> None:
    volunteer = volunteer_row()
    session.add(volunteer)
    await session.flush()
    await served(session, volunteer, NOW, credited=120, confirmed=False)
    with pytest.raises(NotAllowed) as refused:
        await issue(session, volunteer)
    assert refused.value.code == "no_confirmed_hours"


async def test_not_real_name_states_no_id_number(session: AsyncSession) -> None:
    volunteer = volunteer_row(name="Li Hua")
    session.add(volunteer)
    await session.flush()
    await served(session, volunteer, NOW, credited=120)
    statement = (await issue(session, volunteer)).statement
    assert (statement.name, statement.id_number) == ("L* H**", None)


def test_names_are_masked_and_codes_normalised() -> None:
    assert [certificate.mask_name(n) for n in ("王小明", "王明", "欧阳小明", "Li Hua", "Ann")] == [
        "王*明",
        "王*",
        "欧**明",
        "L* H**",
        "A*n",
    ]
    assert certificate.normalise_code("7k3m-q9xa-2b4d") == "7K3MQ9XA2B4D"
    assert certificate.normalise_code("7K3M Q9XA 2B4O") == "7K3MQ9XA2B40"  # O read as 0
    assert certificate.normalise_code("7K3M-Q9XA-2B4U") is None  # U is never in a code
    assert certificate.normalise_code("7K3M-Q9XA") is None
    assert certificate.shown_code("7K3MQ9XA2B4D") == "7K3M-Q9XA-2B4D"


def test_a_missing_font_is_a_clear_error() -> None:
    with pytest.raises(certificate.CertificateFontMissing, match="fonts-wqy-microhei"):
        certificate.find_font("/nowhere/font.ttf")


def latin_only_font() -> Path:
    path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    return path


async def test_a_font_without_chinese_is_refused_rather_than_dropping_text(
    session: AsyncSession,
) -> None:
    issued = await issue(session, await volunteer_with_20_activities(session))
    with pytest.raises(
        certificate.CertificateFontMissing, match=r"DejaVuSans\.ttf has no glyphs for '。上下了"
    ):
        certificate.render_pdf(issued, chinese_wording(issued), latin_only_font())
