"""/import: a coordinator publishes many activities at once from a CSV or XLSX file.

The whole file is checked before anything is written (models/publishing/import_file.py reads it
off the event loop, in a limited worker process after cheap checks of its shape,
models/publishing/import_activities.py checks its rows). That is done after the update's
transaction, holding no database lock (`ctx.after_commit`); then every activity is published in
one short transaction of its own, so the volunteers see all of them or, if anything fails, none.
A file with problems gets the list of them by row number, and the coordinator stays at the step
to send the corrected file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from functools import partial

from handlers import formatting
from handlers.activities import links
from handlers.context import Context
from handlers.events import UploadedFile
from handlers.flows import Flow
from handlers.publishing.activity_plan import sent
from handlers.router import Router
from models.errors import InvalidInput
from models.publishing import import_activities, import_file, publication
from models.publishing.import_file import ImportRejected
from models.registration import volunteers
from models.stations import stations
from models.teams import roles
from models.teams.tables import Role, Team

router = Router()
GUIDE = "docs/activity-import.md"
LINES_SHOWN = 30
# Telegram refuses messages over 4096 characters; listed lines stop well before that.
MESSAGE_BUDGET = 3500


class Step(StrEnum):
    FILE = "file"


# A file with problems leaves the coordinator at the step, to send the corrected file.
IMPORT = Flow("import", Step, starts=(Step.FILE,), moves={})


@router.command("import", menu=30, role=Role.COORDINATOR, refusal="import_not_coordinator")
async def start(ctx: Context) -> None:
    """A coordinator wants to publish activities from a file: explain the format and wait."""
    ctx.state.data = {}
    await IMPORT.ask(ctx, Step.FILE)


@IMPORT.asks(Step.FILE)
async def ask_file(ctx: Context) -> None:
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    themes = await volunteers.themes(ctx.session)
    districts = await volunteers.districts(ctx.session)
    ctx.say(
        ctx.t(
            "importing.intro",
            columns=formatting.joined(
                ctx.texts,
                ctx.lang,
                (ctx.t(f"importing.column_{column}") for column in import_file.COLUMNS),
            ),
            guide=GUIDE,
            teams=formatting.joined(ctx.texts, ctx.lang, (team.name for team in teams)),
            themes=formatting.joined(
                ctx.texts,
                ctx.lang,
                (
                    ctx.t("importing.choice", code=theme.code, name=theme.name(ctx.lang))
                    for theme in themes
                ),
            ),
            districts=formatting.joined(
                ctx.texts,
                ctx.lang,
                (
                    ctx.t("importing.choice", code=district.code, name=district.name(ctx.lang))
                    for district in districts
                ),
            ),
            max_rows=import_file.MAX_ROWS,
            max_kb=import_file.MAX_BYTES // 1024,
        )
    )


@router.step(IMPORT, Step.FILE)
async def receive_file(ctx: Context) -> None:
    """A message while the coordinator is to send the file: import it, or say what is wrong."""
    upload = sent(ctx, ctx.event.file, "importing.send_file")
    if not await _teams(ctx):
        return
    import_file.check_file(upload.file_name, upload.size)
    ctx.after_commit(partial(_import, ctx, upload, ctx.state.version))


async def _teams(ctx: Context) -> list[Team]:
    """The teams the coordinator manages now; none, and the conversation ends."""
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    if not teams:  # the role was taken away since /import
        ctx.finish()
        ctx.say(ctx.t("errors.import_not_coordinator"))
    return teams


async def _import(ctx: Context, upload: UploadedFile, version: int) -> None:
    await read_and_save(
        ctx, upload, import_file.ACTIVITIES, partial(_publish, ctx), version, "importing.column_"
    )


Save = Callable[[list[dict[str, str]], int], Awaitable[None]]


async def read_and_save(
    ctx: Context,
    upload: UploadedFile,
    layout: import_file.Layout,
    save: Save,
    version: int,
    column_texts: str,
) -> None:
    """After the update's transaction: fetch and read the file (in a limited worker process,
    holding no lock meanwhile), then check and `save` its rows in a short transaction of its
    own, which a problem rolls back whole; problems are listed by row, each column named by its
    text under `column_texts`. Station imports (handlers/stations) read through here too."""
    assert ctx.download is not None  # the adapter sets it when it starts
    try:
        content = await ctx.download(upload.file_id)
        rows = await import_file.read_upload(upload.file_name or "", content, layout)
        async with ctx.writing():
            await save(rows, version)
    except InvalidInput as error:
        ctx.say(reason(ctx, error, column_texts))
    except ImportRejected as rejected:
        lines = [
            ctx.t("importing.problem", row=row, reason=reason(ctx, error, column_texts))
            for row, error in rejected.problems
        ]
        ctx.say(listed(ctx, ctx.t("importing.problems", count=len(lines)), lines))


async def _publish(ctx: Context, rows: list[dict[str, str]], version: int) -> None:
    # Published once: a file whose import already ended the conversation (a delivery handled
    # again), or that the coordinator left meanwhile (/cancel from another process), is not.
    if ctx.state.version != version or not ctx.in_step(IMPORT, Step.FILE):
        return
    teams = await _teams(ctx)
    if not teams:
        return
    now = ctx.clock.now()
    plans = import_activities.plan_import(
        rows,
        teams=teams,
        stations=await stations.linked_to(ctx.session, [team.id for team in teams]),
        themes=await volunteers.themes(ctx.session),
        districts=await volunteers.districts(ctx.session),
        today=formatting.today(now, ctx.deployment.zone),
        zone=ctx.deployment.zone,
        now=now,
    )
    published = [
        await publication.publish(ctx.session, plan, created_by=ctx.user_id, now=now)
        for plan in plans
    ]
    ctx.finish()
    lines = [
        ctx.t("importing.done_item", title=activity.title, link=links.activity_link(ctx, activity))
        for activity in published
    ]
    ctx.say(listed(ctx, ctx.t("importing.done", count=len(published)), lines))


def reason(ctx: Context, error: InvalidInput, column_texts: str = "importing.column_") -> str:
    """An import problem in the user's language: times in the deployment's zone, a column by
    its name in that language (its text under `column_texts`)."""
    params: dict[str, object] = {}
    for name, value in error.params.items():
        if name == "column":
            params[name] = ctx.t(f"{column_texts}{value}")
        else:
            params[name] = value
    return ctx.t(f"errors.{error.code}", **formatting.localized(params, ctx.deployment.zone))


def listed(ctx: Context, header: str, lines: list[str]) -> str:
    """`header` and the first lines that fit in one message, with how many more were left off."""
    shown: list[str] = []
    size = len(header)
    for line in lines[:LINES_SHOWN]:
        size += len(line) + 1
        if size > MESSAGE_BUDGET:
            break
        shown.append(line)
    if len(shown) < len(lines):
        shown.append(ctx.t("importing.more", count=len(lines) - len(shown)))
    return "\n".join([header, *shown])
