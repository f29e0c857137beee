"""Importing stations from a CSV or XLSX file (docs/stations.md), from /stations' button.

The file goes through the activity import's machinery (handlers/publishing/import_activities.py
`read_and_save`: fetched and read after the update's transaction, in a limited worker process,
problems listed by row); its rows are checked by models/stations/import_stations.py and saved
in one short transaction: every station in the file, or none.
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial

from handlers import formatting
from handlers.context import Context
from handlers.flows import Flow
from handlers.publishing.activity_plan import sent
from handlers.publishing.import_activities import listed, read_and_save
from handlers.router import Router
from handlers.stations.listing import ImportStations
from handlers.stations.manage import REFUSAL
from models.publishing import import_file
from models.registration import volunteers
from models.stations import import_stations, stations
from models.stations.import_stations import LAYOUT, Existing
from models.teams import roles
from models.teams.tables import Role

router = Router()
GUIDE = "docs/stations.md"


class Step(StrEnum):
    FILE = "file"


# A file with problems leaves the coordinator at the step, to send the corrected file.
IMPORT_STATIONS = Flow("import_stations", Step, starts=(Step.FILE,), moves={})


@router.button(ImportStations, role=Role.COORDINATOR, refusal=REFUSAL)
async def start(ctx: Context, press: ImportStations) -> None:
    """A coordinator wants to add or change stations from a file: explain it and wait."""
    await IMPORT_STATIONS.begin(ctx, Step.FILE)


@IMPORT_STATIONS.asks(Step.FILE)
async def ask_file(ctx: Context) -> None:
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    ctx.say(
        ctx.t(
            "stations_import.intro",
            columns=formatting.joined(
                ctx.texts, ctx.lang, (ctx.t(f"stations.column_{c}") for c in LAYOUT.columns)
            ),
            teams=formatting.joined(ctx.texts, ctx.lang, (team.name for team in teams)),
            guide=GUIDE,
            max_rows=import_file.MAX_ROWS,
            max_kb=import_file.MAX_BYTES // 1024,
        )
    )


@router.step(IMPORT_STATIONS, Step.FILE, role=Role.COORDINATOR, refusal=REFUSAL)
async def receive_file(ctx: Context) -> None:
    """A message while the coordinator is to send the file: import it, or say what is wrong."""
    upload = sent(ctx, ctx.event.file, "stations_import.send_file")
    import_file.check_file(upload.file_name, upload.size)
    ctx.after_commit(
        partial(
            read_and_save,
            ctx,
            upload,
            LAYOUT,
            partial(_save, ctx),
            ctx.state.version,
            "stations.column_",
        )
    )


async def _save(ctx: Context, rows: list[dict[str, str]], version: int) -> None:
    # Saved once: not again for a delivery handled twice, nor after the coordinator left.
    if ctx.state.version != version or not ctx.in_step(IMPORT_STATIONS, Step.FILE):
        return
    admin_ids = ctx.deployment.admin_ids
    teams = await roles.managed_teams(ctx.session, ctx.user_id, admin_ids)
    admin = await roles.is_admin(ctx.session, ctx.user_id, admin_ids)
    named = await stations.by_name(ctx.session, [row.get("name", "").strip() for row in rows])
    existing = {
        key: Existing(
            station.id,
            tuple(team.id for team in await stations.teams_of(ctx.session, station.id)),
            await stations.may_manage(ctx.session, ctx.user_id, station.id, admin_ids),
        )
        for key, station in named.items()
    }
    planned = import_stations.plan_import(
        rows,
        teams=teams,
        own_team_ids=[] if admin else [team.id for team in teams],
        districts=await volunteers.districts(ctx.session),
        existing=existing,
    )
    now = ctx.clock.now()
    for item in planned:
        await stations.save(
            ctx.session,
            item.plan,
            station_id=item.station_id,
            actor=ctx.user_id,
            may_link=[team.id for team in teams],
            now=now,
        )
    ctx.finish()
    lines = [
        ctx.t(
            "stations_import.done_new"
            if item.station_id is None
            else "stations_import.done_changed",
            name=item.plan.name,
        )
        for item in planned
    ]
    ctx.say(listed(ctx, ctx.t("stations_import.done", count=len(planned)), lines))
