"""/certificate: a volunteer gets a PDF service certificate of their confirmed hours; /verify:
anyone, registered or not, checks a certificate's code and hears what it states."""

from __future__ import annotations

import asyncio
import logging

from handlers import formatting
from handlers.attendance.hours import activity_line
from handlers.context import Context
from handlers.events import SendDocument
from handlers.router import Router
from models.attendance import certificate
from models.attendance.certificate import CertificateFontMissing, Issued, Wording
from models.errors import Conflict

router = Router()
log = logging.getLogger(__name__)

# Activities listed in a /verify answer (the certificate itself lists them all); keeps the
# answer inside Telegram's 4,096 characters per message.
VERIFY_LIST_MAX = 15
SHOWN_CODE_MAX = 32  # of whatever was typed, when it names no certificate


@router.command("certificate", menu=40, registered=True)
async def send_certificate(ctx: Context) -> None:
    """The volunteer asked for a certificate of their hours."""
    policy = ctx.deployment.certificates
    issued = await certificate.issue(
        ctx.session,
        ctx.registered_volunteer,
        issuer=policy.issuer or ctx.t("certificate.issuer_default"),
        now=ctx.clock.now(),
        zone=ctx.deployment.zone,
    )
    try:
        font = certificate.find_font(policy.font)
        # Setting the text and subsetting the font takes a moment: not on the event loop.
        content = await asyncio.to_thread(
            certificate.render_pdf, issued, wording(ctx, issued), font
        )
    except CertificateFontMissing:
        log.exception("cannot make a certificate for volunteer %s", ctx.registered_volunteer.id)
        raise Conflict("certificate_unavailable") from None  # nothing issued is kept
    code = certificate.shown_code(issued.code)
    ctx.outbox.add(
        SendDocument(
            ctx.event.chat_id,
            f"certificate-{code}.pdf",
            content,
            caption=ctx.t("certificate.caption", code=code),
        )
    )


def wording(ctx: Context, issued: Issued) -> Wording:
    code = certificate.shown_code(issued.code)
    return Wording(
        title=ctx.t("certificate.title"),
        intro=ctx.t("certificate.intro", name=issued.full_name),
        name=ctx.t("certificate.name"),
        id_number=ctx.t("certificate.id_number"),
        issuer=ctx.t("certificate.issuer"),
        issued_on=ctx.t("certificate.issued_on"),
        date=ctx.t("certificate.date", date=issued.statement.issued_on),
        code=ctx.t("certificate.code"),
        activity=ctx.t("certificate.activity"),
        dates=ctx.t("certificate.dates"),
        credited=ctx.t("certificate.credited"),
        honour=ctx.t("certificate.honour"),
        total=ctx.t("certificate.total"),
        verify_note=ctx.t("certificate.verify_note", code=code, bot=ctx.bot_username),
    )


@router.command("verify")
async def verify(ctx: Context) -> None:
    """Someone typed a certificate's code to check it."""
    typed = ctx.event.command_args
    if not typed:
        ctx.say(ctx.t("verify.usage"))
        return
    found = await certificate.verify(ctx.session, typed)
    if found is None:
        ctx.say(ctx.t("verify.not_genuine", code=typed[:SHOWN_CODE_MAX]))
        return
    code, statement = found
    figures = {
        "code": certificate.shown_code(code),
        "date": ctx.t("certificate.date", date=statement.issued_on),
        "issuer": statement.issuer,
        "total": formatting.duration(ctx.texts, ctx.lang, statement.credited + statement.honour),
        "credited": formatting.duration(ctx.texts, ctx.lang, statement.credited),
        "honour": formatting.duration(ctx.texts, ctx.lang, statement.honour),
        "count": len(statement.activities),
    }
    if statement.name is None:  # its holder erased their data since
        said = ctx.t("verify.genuine_erased", **figures)
    else:
        # Issued where real names are not required, it states no ID number: no "ID number —".
        masked = statement.id_number
        id_number = ctx.t("verify.id_number", id_number=masked) if masked else ""
        said = ctx.t("verify.genuine", name=statement.name, id_number=id_number, **figures)
    lines = [
        said,
        *(
            activity_line(ctx.texts, ctx.lang, line)
            for line in statement.activities[:VERIFY_LIST_MAX]
        ),
    ]
    if len(statement.activities) > VERIFY_LIST_MAX:
        lines.append(ctx.t("verify.more", count=len(statement.activities) - VERIFY_LIST_MAX))
    ctx.say("\n".join(lines))
