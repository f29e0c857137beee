"""Buttons already sent and conversation states already stored keep working after a code move.

`recorded.json` holds one real payload per kind of button and one stored state per flow step,
recorded from the bot before its handlers were regrouped by journey. Each must still be accepted
and reach the handler that served it then: under its module's new name (`MOVED`), or, for a
handler since moved out of that module on its own, under its new full name (`MOVED_FUNCTIONS`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handlers import root_router
from handlers.callbacks import ButtonSigner
from handlers.router import ANY_FLOW

RECORDED = json.loads((Path(__file__).parent / "recorded.json").read_text(encoding="utf-8"))

# Where each handler that served a recorded payload or state lives now.
MOVED: dict[str, str] = {
    "handlers.activities": "handlers.activities.browse",
    "handlers.activity_plan": "handlers.publishing.activity_plan",
    "handlers.ask_help": "handlers.help_requests.ask",
    "handlers.audit_log": "handlers.teams.audit_log",
    "handlers.broadcast": "handlers.broadcasts.compose",
    "handlers.broadcasts": "handlers.broadcasts.progress",
    "handlers.calendar_file": "handlers.activities.calendar_file",
    "handlers.cards": "handlers.activities.cards",
    "handlers.certificate": "handlers.attendance.certificate",
    "handlers.checkin": "handlers.attendance.checkin",
    "handlers.closing": "handlers.activities.closing",
    "handlers.confirm_hours": "handlers.attendance.hours_review",
    "handlers.coordinator_alerts": "handlers.reminders.coordinator_alerts",
    "handlers.edit_activity": "handlers.publishing.edit_activity",
    "handlers.erase": "handlers.registration.erase",
    "handlers.export_records": "handlers.reports.exports",
    "handlers.fields": "handlers.registration.fields",
    "handlers.groups": "handlers.activities.groups",
    "handlers.help_requests": "handlers.help_requests.triage",
    "handlers.hours": "handlers.attendance.hours",
    "handlers.import_activities": "handlers.publishing.import_activities",
    "handlers.links": "handlers.activities.links",
    "handlers.manage": "handlers.publishing.manage",
    "handlers.managed": "handlers.publishing.managed",
    "handlers.my_shifts": "handlers.activities.my_shifts",
    "handlers.new_activity": "handlers.publishing.new_activity",
    "handlers.notifications": "handlers.reminders.notifications",
    "handlers.offers": "handlers.activities.offers",
    "handlers.plan_preview": "handlers.publishing.plan_preview",
    "handlers.plan_shifts": "handlers.publishing.plan_shifts",
    "handlers.profile": "handlers.registration.profile",
    "handlers.registration": "handlers.registration.register",
    "handlers.reminders": "handlers.reminders.before_shift",
    "handlers.shift_roster": "handlers.publishing.shift_roster",
    "handlers.signup": "handlers.activities.signup",
    "handlers.stats": "handlers.reports.stats",
    "handlers.team_admin": "handlers.teams.team_admin",
    "handlers.teams": "handlers.teams.membership",
}

# Handlers moved on their own, out of the module `MOVED` names, or merged with a handler of the
# same logic (two old names, one new): old full name -> new full name. Checked before `MOVED`.
MOVED_FUNCTIONS: dict[str, str] = {
    "handlers.broadcast.confirm": "handlers.broadcasts.send_time.confirm",
    "handlers.broadcast.pick_time": "handlers.broadcasts.send_time.pick_time",
    "handlers.broadcast.receive_time": "handlers.broadcasts.send_time.receive_time",
    "handlers.broadcast.send_later": "handlers.broadcasts.send_time.send_later",
    "handlers.broadcast.send_now": "handlers.broadcasts.send_time.send_now",
    "handlers.broadcasts.ask_cancel": "handlers.broadcasts.control.ask_cancel",
    "handlers.broadcasts.cancel": "handlers.broadcasts.control.control_call",
    "handlers.broadcasts.keep": "handlers.broadcasts.control.keep",
    "handlers.broadcasts.pause": "handlers.broadcasts.control.control_call",
    "handlers.broadcasts.resume": "handlers.broadcasts.control.control_call",
    "handlers.confirm_hours.ask_honour": "handlers.attendance.change_hours.ask_change",
    "handlers.confirm_hours.ask_hours": "handlers.attendance.change_hours.ask_change",
    "handlers.confirm_hours.got_hours": "handlers.attendance.change_hours.got_hours",
    "handlers.confirm_hours.got_reason": "handlers.attendance.change_hours.got_reason",
    "handlers.edit_activity.cancel": "handlers.publishing.cancel_activity.cancel",
    "handlers.edit_activity.choose_what_to_cancel": (
        "handlers.publishing.cancel_activity.choose_what_to_cancel"
    ),
    "handlers.edit_activity.keep": "handlers.publishing.cancel_activity.keep",
    "handlers.edit_activity.receive_description": (
        "handlers.publishing.edit_activity.receive_text"
    ),
    "handlers.edit_activity.receive_reason": "handlers.publishing.cancel_activity.receive_reason",
    "handlers.edit_activity.receive_title": "handlers.publishing.edit_activity.receive_text",
    "handlers.edit_activity.start_cancel": "handlers.publishing.cancel_activity.start_cancel",
    "handlers.help_requests.ask_volunteer": "handlers.help_requests.assignments.ask_volunteer",
    "handlers.help_requests.discard": "handlers.help_requests.convert.discard",
    "handlers.help_requests.list_requests": "handlers.help_requests.listing.list_requests",
    "handlers.help_requests.pick_team": "handlers.help_requests.convert.pick_team",
    "handlers.help_requests.publish": "handlers.help_requests.convert.publish",
    "handlers.help_requests.receive_address": "handlers.help_requests.convert.receive_address",
    "handlers.help_requests.receive_places": "handlers.help_requests.convert.receive_places",
    "handlers.help_requests.receive_when": "handlers.help_requests.convert.receive_when",
    "handlers.help_requests.start_assign": "handlers.help_requests.assignments.start_assign",
    "handlers.help_requests.start_convert": "handlers.help_requests.convert.start_convert",
    "handlers.teams.browse": "handlers.teams.directory.browse",
    "handlers.teams.show": "handlers.teams.directory.show",
}


def _name(handler: Any) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def _now_at(old: str) -> str:
    if old in MOVED_FUNCTIONS:
        return MOVED_FUNCTIONS[old]
    module, _, function = old.rpartition(".")
    return f"{MOVED.get(module, module)}.{function}"


@pytest.mark.parametrize("recorded", RECORDED["buttons"], ids=lambda r: r["action"])
def test_a_recorded_button_reaches_the_same_handler(recorded: dict[str, Any]) -> None:
    signer = ButtonSigner(bytes.fromhex(recorded["key"]))
    press = signer.unpack(recorded["user_id"], recorded["data"])
    assert (press.action, list(press.args), press.version) == (
        recorded["action"],
        recorded["args"],
        recorded["version"],
    )
    route = root_router.buttons[press.action]
    assert _name(route.handler) == _now_at(recorded["handler"])
    assert route.kind.lasting == recorded["lasting"]
    # The typed button reads the recorded arguments and packs them back the same.
    assert route.kind.parse(press.args).args() == press.args


@pytest.mark.parametrize("recorded", RECORDED["states"], ids=lambda r: f"{r['flow']}.{r['step']}")
def test_a_recorded_state_reaches_the_same_step_handler(recorded: dict[str, Any]) -> None:
    steps = root_router.steps
    key = (recorded["flow"], recorded["step"])
    route = steps.get(key) or steps.get((ANY_FLOW, recorded["step"]))
    assert route is not None, key
    assert _name(route.handler) == _now_at(recorded["handler"])


def test_every_kind_of_button_and_every_step_is_recorded() -> None:
    assert {r["action"] for r in RECORDED["buttons"]} == set(root_router.buttons)
    flows = {(r["flow"], r["step"]) for r in RECORDED["states"]}
    assert {key for key in root_router.steps if key[0] != ANY_FLOW} <= flows


def test_every_moved_function_served_a_recorded_payload_or_state() -> None:
    """A per-function move is named by the handler's old full name, as recorded."""
    recorded = {r["handler"] for r in RECORDED["buttons"] + RECORDED["states"]}
    assert set(MOVED_FUNCTIONS) <= recorded
