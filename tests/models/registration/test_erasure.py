"""Erasure is complete: after /delete_me nothing of the person remains in any table, on SQLite and
on PostgreSQL.

`PERSONAL` lists every column that can hold something of a person, and how erasure treats it; the
world below puts something of Erin in each, erases her, and checks that none is left anywhere.
`NOT_PERSONAL` lists every other column, with the reason. A table or column in neither list fails
`test_every_column_is_classified`: whoever adds one decides, here, whether erasure must reach it.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.app  # noqa: F401  (imports every journey, so Base.metadata holds every table)
from models import audit, inbox
from models.activities import calendar_feed, signup
from models.activities.groups import ChatKind, GroupChat
from models.activities.tables import ServiceRecord, Signup
from models.attendance import certificate
from models.base import Base
from models.broadcasts.tables import Broadcast, Delivery
from models.conversation import ConversationState
from models.crypto import IdCipher
from models.help_requests.tables import HelpAssignment, HelpDispatch, HelpRequest
from models.registration import erasure, volunteers
from models.registration.tables import Volunteer, volunteer_muted_themes
from models.registration.validation import parse_prc_id
from models.registration.volunteers import Draft, SealedId
from models.reminders.tables import Reminder, ReminderStatus
from models.rotas import rules, slots
from models.rotas.tables import SlotSkip
from models.teams import roles
from models.teams.tables import Invite, Role, TeamMember
from models.training.tables import Course, Qualification
from tests.ids import make_id
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_volunteer,
    shift_plan,
    theme,
)

ERIN = 918_273_645  # her Telegram id: digits found nowhere else in the world below
NAME = "Erin Quixley"
PHONE = "+8613912345678"
ID_NUMBER = make_id(date(1991, 7, 9), region="110105", serial="777")
HELP_TEXT = "grandmother on Juniper Lane"
NOTE = "Quixley stayed late"
CIPHER = IdCipher(IdCipher.generate_key())
# What of her would show in a stored text: ids, name (also masked), phone, ID number, her words.
MARKERS = (str(ERIN), NAME, "Quixley", certificate.mask_name(NAME), PHONE[3:], ID_NUMBER,
           ID_NUMBER[:4] + "*", HELP_TEXT)  # fmt: skip

ROTA = rules.RulePlan(frozenset({5}), 1, date(2026, 1, 5), None, time(9), time(11), 2)

# table.column → how erasure treats it.
PERSONAL = {
    "volunteers.telegram_id": "NULL (the row stays, anonymous, for the service records)",
    "volunteers.full_name": "NULL",
    "volunteers.phone": "NULL",
    "volunteers.id_number_encrypted": "NULL",
    "volunteers.id_number_index": "NULL (the number may register again)",
    "volunteers.id_number_masked": "NULL",
    "volunteers.birth_date": "NULL",
    "volunteers.district_id": "NULL",
    "volunteers.reminder_minutes": "NULL",
    "volunteer_themes.volunteer_id": "rows deleted",
    "volunteer_muted_themes.volunteer_id": "rows deleted",
    "conversation_states.telegram_id": "row deleted (drafts, language, step)",
    "conversation_states.data": "row deleted; unfinished drafts also expire after 30 days",
    "conversation_states.first_name": "row deleted (unregistered: also after 30 idle days)",
    "team_members.volunteer_id": "rows deleted",
    "role_grants.telegram_id": "rows deleted: an erased account holds no role",
    "role_grants.granted_by": "NULL",
    "invites.created_by": "0 (nobody); an unused invite of hers expires",
    "invites.used_by": "0 (nobody): still used",
    "invites.withdrawn_by": "0 (nobody): still withdrawn",
    "broadcasts.released_by": "0 (nobody): a held call she released and not yet sent is held again",
    "help_requests.requester_telegram_id": "her requests deleted (with dispatches, assignments)",
    "help_requests.description": "deleted with the request",
    "help_requests.contact": "deleted with the request",
    "help_requests.preferred_time": "deleted with the request",
    "help_requests.rating_comment": "deleted with the request",
    "help_requests.handled_by": "NULL on requests she handled",
    "help_assignments.volunteer_id": "rows deleted: she is no longer asked",
    "help_assignments.asked_by": "0 (nobody)",
    "activities.created_by": "0 (nobody)",
    "broadcasts.created_by": "0 (nobody); her unfinished calls are cancelled",
    "broadcasts.progress_chat_id": "NULL (with the progress message id)",
    "service_records.note": "emptied on her records (a coordinator's words about her)",
    "service_records.confirmed_by": "NULL on records she confirmed",
    "group_chats.added_by": "NULL",
    "certificates.statement": "name and ID number removed, digest renewed: verifies as issued",
    "audit_log.actor_telegram_id": "NULL: the action stays, not who did it",
    "audit_log.before": "her Telegram id removed; a help request's content removed",
    "audit_log.after": "her Telegram id removed; a help request's content removed",
    "inbound_updates.payload": "NULL and set handled: updates of hers not yet handled",
    "calendar_feeds.volunteer_id": "row deleted: her calendar address stops working",
    "standing_slots.volunteer_id": "rows deleted, with her skipped dates: she is on no rota",
    "qualifications.volunteer_id": "rows deleted (their audit states too)",
    "qualifications.reason": "deleted with the row (a coordinator's words about her)",
    "qualifications.withdrawn_reason": "deleted with the row (a coordinator's words about her)",
    "qualifications.granted_by": "0 (nobody) on qualifications she granted",
    "qualifications.withdrawn_by": "0 (nobody) on qualifications she withdrew",
    "courses.created_by": "0 (nobody)",
}

# Every other column, and why erasure leaves it.
NOT_PERSONAL = {
    "volunteers.id": "the anonymous row's key",
    "volunteers.status": "ERASED",
    "volunteers.language": "a language names nobody",
    "volunteers.availability": "weekday/weekend bits name nobody once anonymous",
    "volunteers.reachable": "a flag",
    "volunteers.mute_recruitment": "a flag",
    "volunteers.reminders_enabled": "a flag",
    "volunteers.no_show_count": "a count, kept with the anonymous row",
    "volunteers.registered_at": "statistics: volunteers registered per month",
    "volunteers.erased_at": "when the row became anonymous",
    "volunteer_themes.theme_id": "deleted with the volunteer_id",
    "volunteer_muted_themes.theme_id": "deleted with the volunteer_id",
    "conversation_states.language": "deleted with the row",
    "conversation_states.flow": "deleted with the row",
    "conversation_states.step": "deleted with the row",
    "conversation_states.version": "deleted with the row",
    "conversation_states.updated_at": "deleted with the row",
    "team_members.team_id": "deleted with the volunteer_id",
    "team_members.status": "deleted with the volunteer_id",
    "team_members.joined_at": "deleted with the volunteer_id",
    "role_grants.id": "deleted with the telegram_id",
    "role_grants.role": "deleted with the telegram_id",
    "role_grants.team_id": "deleted with the telegram_id",
    "role_grants.organisation_id": "deleted with the telegram_id",
    "role_grants.granted_at": "deleted with the telegram_id",
    "signups.volunteer_id": "points to the anonymous row: past service counts in statistics",
    "signups.id": "key",
    "signups.shift_id": "the shift",
    "signups.status": "future places are cancelled and offered on",
    "signups.queued_at": "a time",
    "signups.offer_expires_at": "a time",
    "signups.updated_at": "a time",
    "service_records.id": "key",
    "service_records.signup_id": "the anonymous sign-up: hours stay in statistics",
    "service_records.checked_in_at": "a time, of nobody",
    "service_records.checked_out_at": "a time, of nobody",
    "service_records.checkin_method": "how, of nobody",
    "service_records.credited_minutes": "statistics: hours served in the city",
    "service_records.honour_minutes": "statistics",
    "service_records.flagged": "a flag",
    "service_records.confirmed_at": "a time",
    "certificates.id": "key",
    "certificates.code": "verifies as issued, naming nobody",
    "certificates.volunteer_id": "points to the anonymous row",
    "certificates.issued_at": "a time",
    "certificates.digest": "renewed over the anonymous statement",
    "deliveries.id": "key",
    "deliveries.broadcast_id": "the call",
    "deliveries.volunteer_id": "the anonymous row (the call's figures); unsent: fails as erased",
    "deliveries.status": "the call's figures",
    "deliveries.attempts": "a count",
    "deliveries.lease_until": "a time",
    "deliveries.error": "Telegram's error text or 'erased'",
    "deliveries.message_id": "a per-chat counter: names nobody without the chat",
    "deliveries.sent_at": "a time",
    "deliveries.uncertain": "a flag",
    "reminders.id": "key",
    "reminders.signup_id": "the anonymous sign-up; hers are cancelled",
    "reminders.kind": "which reminder",
    "reminders.due_at": "a time",
    "reminders.status": "cancelled for her places",
    "reminders.lease_until": "a time",
    "reminders.sent_at": "a time",
    "help_assignments.id": "key",
    "help_assignments.help_request_id": "the request",
    "help_assignments.status": "the answer",
    "help_assignments.asked_at": "a time",
    "help_assignments.answered_at": "a time",
    "help_dispatches.help_request_id": "the request (deleted with hers)",
    "help_dispatches.team_id": "the team",
    "help_requests.id": "key",
    "help_requests.kind": "a theme code",
    "help_requests.district_id": "deleted with her request",
    "help_requests.status": "a state",
    "help_requests.activity_id": "the activity made from it",
    "help_requests.decline_reason": "a coordinator's words to the asker, deleted with hers",
    "help_requests.rating": "deleted with her request",
    "help_requests.created_at": "a time",
    "help_requests.updated_at": "a time",
    "audit_log.id": "key",
    "audit_log.action": "the action stays",
    "audit_log.target_type": "what it was done to",
    "audit_log.target_id": "a row's id (hers: the anonymous row)",
    "audit_log.at": "a time",
    "inbound_updates.update_id": "Telegram's counter",
    "inbound_updates.status": "a state",
    "inbound_updates.received_at": "a time",
    "inbound_updates.lease_until": "a time",
    "inbound_updates.tries": "a count",
    "invites.id": "key",
    "invites.token": "random",
    "invites.team_id": "the team",
    "invites.role": "coordinator or organisation admin",
    "invites.organisation_id": "the organisation",
    "invites.created_at": "a time",
    "invites.expires_at": "a time (now, for her unused invites)",
    "invites.used_at": "a time",
    "invites.withdrawn_at": "a time",
    "broadcasts.paused_by_admin": "a flag",
    "shifts.called_at": "a time",
    "broadcasts.id": "key",
    "broadcasts.team_id": "the team",
    "broadcasts.activity_id": "the activity",
    "broadcasts.theme_id": "the theme",
    "broadcasts.text": "a call to the public in the team's name",
    "broadcasts.photo_id": "the call's picture",
    "broadcasts.audience": "teams, themes, districts",
    "broadcasts.status": "a state",
    "broadcasts.send_at": "a time",
    "broadcasts.created_at": "a time",
    "broadcasts.started_at": "a time",
    "broadcasts.finished_at": "a time",
    "broadcasts.total": "a count",
    "broadcasts.progress_message_id": "NULL with the chat",
    "broadcasts.progress_at": "a time",
    "send_budget.id": "one row",
    "send_budget.next_slot": "a time",
    "send_budget.paused_until": "a time",
    "activities.id": "key",
    "activities.team_id": "the team",
    "activities.theme_id": "the theme",
    "activities.district_id": "the venue's district",
    "activities.title": "public",
    "activities.description": "public",
    "activities.address": "the venue",
    "activities.latitude": "the venue",
    "activities.longitude": "the venue",
    "activities.station_id": "the station it takes place at",
    "stations.id": "key",
    "stations.name": "public: a service point's name",
    "stations.address": "public: where it is",
    "stations.latitude": "public: where it is",
    "stations.longitude": "public: where it is",
    "stations.district_id": "the district",
    "stations.opening_hours": "public",
    "stations.created_at": "a time",
    "stations.updated_at": "a time",
    "station_teams.station_id": "the station",
    "station_teams.team_id": "the team",
    "activities.signup_deadline": "a time",
    "activities.min_age": "a rule",
    "activities.require_real_name": "a rule",
    "activities.require_insurance": "a rule",
    "activities.required_theme_id": "a rule",
    "activities.reminder_minutes": "a rule",
    "activities.status": "a state",
    "activities.link_token": "random",
    "activities.created_at": "a time",
    "activities.updated_at": "a time",
    "shifts.id": "key",
    "shifts.activity_id": "the activity",
    "shifts.starts_at": "a time",
    "shifts.ends_at": "a time",
    "shifts.capacity": "a count",
    "shifts.signup_opens_at": "a time",
    "shifts.status": "a state",
    "shifts.checkin_token": "random",
    "shifts.sequence": "a count of changes",
    "calendar_feeds.token": "deleted with the row",
    "calendar_feeds.created_at": "deleted with the row",
    "group_chats.chat_id": "a group, not a person",
    "group_chats.title": "a group's title",
    "group_chats.kind": "group or channel",
    "group_chats.active": "a flag",
    "group_chats.updated_at": "a time",
    "group_cards.id": "key",
    "group_cards.activity_id": "the activity",
    "group_cards.chat_id": "a group",
    "group_cards.message_id": "in a group",
    "group_cards.stale": "a flag",
    "group_cards.shown_text": "the activity's public card",
    "group_cards.edited_at": "a time",
    "organisations.id": "key",
    "organisations.name": "a federation or alliance",
    "organisations.created_at": "a time",
    "organisation_teams.organisation_id": "an organisation",
    "organisation_teams.team_id": "a team",
    "organisation_teams.added_at": "a time",
    "teams.id": "key",
    "teams.name": "a team",
    "teams.description": "a team",
    "teams.district_id": "a team's district",
    "teams.join_token": "random",
    "teams.created_at": "a time",
    "alerts.id": "key",
    "alerts.kind": "which alert",
    "alerts.key": "a shift or a day",
    "alerts.created_at": "a time",
    "app_secrets.name": "the deployment's",
    "app_secrets.value": "the deployment's",
    "themes.id": "reference data",
    "themes.code": "reference data",
    "themes.name_zh": "reference data",
    "themes.name_en": "reference data",
    "themes.sort_order": "reference data",
    "themes.active": "reference data",
    "districts.id": "reference data",
    "districts.code": "reference data",
    "districts.name_zh": "reference data",
    "districts.name_en": "reference data",
    "districts.sort_order": "reference data",
    "rota_rules.id": "key",
    "rota_rules.activity_id": "the activity",
    "rota_rules.every_weeks": "a rule",
    "rota_rules.weekdays": "a rule",
    "rota_rules.starts_on": "a rule",
    "rota_rules.ends_on": "a rule",
    "rota_rules.start_time": "a rule",
    "rota_rules.end_time": "a rule",
    "rota_rules.capacity": "a rule",
    "rota_rules.created_at": "a time (who made it is in the audit log)",
    "rota_rules.updated_at": "a time",
    "rota_exceptions.id": "key",
    "rota_exceptions.rule_id": "the rule",
    "rota_exceptions.day": "a date of the rule",
    "rota_exceptions.created_at": "a time",
    "rota_occurrences.id": "key",
    "rota_occurrences.rule_id": "the rule",
    "rota_occurrences.activity_id": "the activity",
    "rota_occurrences.day": "a date of the rule",
    "rota_occurrences.starts_at": "a time",
    "rota_occurrences.shift_id": "the shift made",
    "standing_slots.id": "key",
    "standing_slots.rule_id": "deleted with the volunteer_id",
    "standing_slots.created_at": "deleted with the volunteer_id",
    "standing_slot_skips.id": "deleted with her slot",
    "standing_slot_skips.slot_id": "deleted with her slot",
    "standing_slot_skips.day": "deleted with her slot",
    "standing_slot_skips.created_at": "deleted with her slot",
    "courses.id": "key",
    "courses.name": "a course names nobody",
    "courses.description": "what a course teaches",
    "courses.validity_months": "a number",
    "courses.created_at": "a time",
    "training_sessions.activity_id": "an activity is a course's session",
    "training_sessions.course_id": "the course",
    "course_requirements.activity_id": "an activity requires a course",
    "course_requirements.course_id": "the course",
    "qualifications.id": "deleted with the volunteer_id",
    "qualifications.course_id": "deleted with the volunteer_id",
    "qualifications.granted_at": "deleted with the volunteer_id",
    "qualifications.expires_at": "deleted with the volunteer_id",
    "qualifications.signup_id": "deleted with the volunteer_id",
    "qualifications.withdrawn_at": "deleted with the volunteer_id",
}


def test_every_column_is_classified() -> None:
    columns = {f"{t.name}.{c.name}" for t in Base.metadata.tables.values() for c in t.columns}
    unlisted = sorted(columns - PERSONAL.keys() - NOT_PERSONAL.keys())
    assert not unlisted, f"say in PERSONAL or NOT_PERSONAL what erasure does with {unlisted}"
    assert not PERSONAL.keys() & NOT_PERSONAL.keys()
    assert not (PERSONAL.keys() | NOT_PERSONAL.keys()) - columns, "listed, but no such column"


class World:
    """Erin, with something of hers in every personal column, and the people around her."""

    erin: Volunteer
    waiting: Volunteer
    future_signup: Signup
    certificate_code: str


async def build(db: AsyncSession) -> World:
    world = World()
    haicang = (await volunteers.districts(db))[0]
    sealed = SealedId.seal(parse_prc_id(ID_NUMBER, NOW.date()), CIPHER)
    erin = await volunteers.register(
        db,
        telegram_id=ERIN,
        language="en",
        draft=Draft(
            name=NAME,
            phone=PHONE,
            sealed_id=sealed,
            district_id=haicang.id,
            theme_ids=[(await theme(db, "events")).id],
        ),
        now=NOW - timedelta(days=60),
    )
    await db.execute(
        insert(volunteer_muted_themes).values(
            volunteer_id=erin.id, theme_id=(await theme(db, "elderly")).id
        )
    )
    erin.reminder_minutes = [90]
    await calendar_feed.token_of(db, erin, now=NOW)
    world.erin = erin
    other = await make_volunteer(db)

    # A draft of a profile change she left half-way.
    db.add(
        ConversationState(
            telegram_id=ERIN,
            language="en",
            first_name=NAME,
            flow="profile",
            step="phone",
            data={"draft": {"name": NAME, "phone": PHONE}},
            version=3,
            updated_at=NOW,
        )
    )
    # She also coordinates a team, made activities, a call, invites, confirmed hours.
    activity, (future, past) = await make_activity(
        db, shift_plan(at(days=2), capacity=1), shift_plan(at(days=3), capacity=5)
    )
    past.starts_at, past.ends_at = at(days=-3), at(days=-3, hours=3)
    activity.created_by = ERIN
    team = await roles.create_team(db, "Juniper Team", now=NOW)
    await roles.grant(db, ERIN, Role.COORDINATOR, team=team, now=NOW, granted_by=COORDINATOR)
    await roles.grant(db, COORDINATOR, Role.COORDINATOR, team=team, now=NOW, granted_by=ERIN)
    db.add(TeamMember(team_id=team.id, volunteer_id=erin.id, status="active", joined_at=NOW))
    await roles.invite(db, team, actor=ERIN, now=NOW, valid_for=timedelta(days=7))
    withdrawn = await roles.invite(
        db, team, actor=COORDINATOR, now=NOW, valid_for=timedelta(days=7)
    )
    await roles.withdraw_invite(db, withdrawn.id, actor=ERIN, now=NOW)
    used = await roles.invite(db, team, actor=COORDINATOR, now=NOW, valid_for=timedelta(days=7))
    used.used_by, used.used_at = ERIN, NOW
    db.add(GroupChat(chat_id=-100_777, title="Juniper volunteers", kind=ChatKind.GROUP,
                     added_by=ERIN, active=True, updated_at=NOW))  # fmt: skip

    # A place on a future shift (someone waits for it) and hours on a past one.
    world.future_signup = (await signup.sign_up(db, erin, future.id, now=NOW, policy=POLICY)).signup
    world.waiting = await make_volunteer(db)
    await signup.sign_up(db, world.waiting, future.id, now=NOW, policy=POLICY)
    # The activity recurs and she holds its standing slot, skipping one date.
    rule = await rules.save_rule(db, activity, ROTA, actor=COORDINATOR, now=NOW)
    await slots.take_slot(db, erin, rule, now=NOW, policy=POLICY)
    slot = (await slots.slots_of(db, erin.id))[0][0]
    db.add(SlotSkip(slot_id=slot.id, day=date(2026, 2, 7), created_at=NOW))
    served = Signup(shift_id=past.id, volunteer_id=erin.id, status="attended",
                    queued_at=at(days=-4), updated_at=at(days=-3))  # fmt: skip
    theirs = Signup(shift_id=past.id, volunteer_id=other.id, status="attended",
                    queued_at=at(days=-4), updated_at=at(days=-3))  # fmt: skip
    db.add_all([served, theirs])
    await db.flush()
    db.add_all(
        [
            ServiceRecord(signup_id=served.id, credited_minutes=180, note=NOTE,
                          confirmed_by=COORDINATOR, confirmed_at=at(days=-3)),
            ServiceRecord(signup_id=theirs.id, credited_minutes=180, confirmed_by=ERIN,
                          confirmed_at=at(days=-3)),
        ]
    )  # fmt: skip
    await db.flush()
    issued = await certificate.issue(db, erin, issuer="Xiamen", now=NOW, zone=POLICY.zone)
    world.certificate_code = issued.code

    # Her calls: one done, one scheduled (which she is to receive too).
    for status in ("done", "scheduled"):
        call = Broadcast(created_by=ERIN, text="Come help", audience={}, status=status,
                         created_at=NOW, progress_chat_id=ERIN, progress_message_id=5,
                         released_by=ERIN)  # fmt: skip
        db.add(call)
        await db.flush()
    db.add(Delivery(broadcast_id=call.id, volunteer_id=erin.id, status="sent", message_id=77))

    # Help: one she asked for, one she handled, a volunteer she asked, and being asked.
    mine = HelpRequest(requester_telegram_id=ERIN, kind="elderly", description=HELP_TEXT,
                       preferred_time=f"after 5, {NAME}", contact=PHONE, rating=5,
                       rating_comment=f"thanks, {NAME}", status="done",
                       created_at=NOW, updated_at=NOW)  # fmt: skip
    handled = HelpRequest(requester_telegram_id=555, kind="elderly", description="a ramp",
                          handled_by=ERIN, created_at=NOW, updated_at=NOW)  # fmt: skip
    db.add_all([mine, handled])
    await db.flush()
    db.add_all(
        [
            HelpDispatch(help_request_id=mine.id, team_id=team.id),
            HelpAssignment(help_request_id=handled.id, volunteer_id=other.id, asked_by=ERIN,
                           asked_at=NOW),
            HelpAssignment(help_request_id=handled.id, volunteer_id=erin.id,
                           asked_by=COORDINATOR, asked_at=NOW),
        ]
    )  # fmt: skip
    audit.record(db, ERIN, "help.comment", mine, NOW, after={"rating_comment": f"thanks, {NAME}"})
    audit.record(
        db, COORDINATOR, "role.revoke", ("role_grant", 1), NOW, before={"telegram_id": ERIN}
    )

    # A course she made; her qualification (granted, then withdrawn, with reasons naming her);
    # one she granted and withdrew.
    course = Course(name="First aid", created_by=ERIN, created_at=NOW)
    db.add(course)
    await db.flush()
    for holder, by in ((erin, COORDINATOR), (other, ERIN)):
        db.add(
            Qualification(volunteer_id=holder.id, course_id=course.id, granted_at=NOW,
                          granted_by=by, reason=f"trained, {NAME}" if by != ERIN else "",
                          withdrawn_at=NOW, withdrawn_by=by,
                          withdrawn_reason=f"left, {NAME}" if by != ERIN else "gone")
        )  # fmt: skip

    # An update of hers received but not yet handled.
    payload = {"update_id": 41, "message": {"from": {"id": ERIN, "first_name": "Erin"}}}
    await inbox.record(db, [payload], now=NOW)
    await db.flush()
    await db.commit()
    return world


def mentions(column: str, value: Any, erin: Volunteer) -> bool:
    """Whether a stored value holds something of Erin."""
    if value is None:
        return False
    if column.endswith(".volunteer_id"):
        return bool(value == erin.id)
    text = (
        json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    )
    return any(marker in text for marker in MARKERS)


async def holds_erin(db: AsyncSession, column: str, erin: Volunteer) -> bool:
    table_name, column_name = column.split(".")
    table = Base.metadata.tables[table_name]
    query = select(table.c[column_name])
    if table_name == "volunteers":  # her own row: any value at all is hers
        query = query.where(table.c.id == erin.id)
        values = list(await db.scalars(query))
        default = table.c[column_name].default
        return any(v is not None and (default is None or v != default.arg) for v in values)
    return any(mentions(column, v, erin) for v in await db.scalars(query))


async def everything(db: AsyncSession) -> str:
    """Every row of every table, as text."""
    rows = []
    for table in Base.metadata.sorted_tables:
        for row in await db.execute(select(table)):
            rows.append(json.dumps(list(row), ensure_ascii=False, default=str))
    return "\n".join(rows)


async def test_nothing_of_an_erased_person_remains(db: AsyncSession) -> None:
    world = await build(db)
    erin_id = world.erin.id
    unfilled = [c for c in PERSONAL if not await holds_erin(db, c, world.erin)]
    assert not unfilled, f"the world puts nothing of Erin in {unfilled}: extend build()"
    encrypted = world.erin.id_number_encrypted

    await erasure.erase(db, ERIN, now=NOW, policy=POLICY)
    await db.commit()
    db.expire_all()
    erin = await db.get(Volunteer, erin_id)
    assert erin is not None and erin.status == "erased"

    left = [c for c in PERSONAL if await holds_erin(db, c, erin)]
    assert not left, f"erasure left something of Erin in {left}"
    dump = await everything(db)
    for marker in MARKERS:
        assert marker not in dump
    assert encrypted is not None and encrypted.decode() not in dump


async def test_what_stays_names_nobody_and_her_place_is_offered_on(db: AsyncSession) -> None:
    world = await build(db)
    erin, waiting, future_id = world.erin.id, world.waiting.id, world.future_signup.id
    erased = await erasure.erase(db, ERIN, now=NOW, policy=POLICY)
    # Her place on the coming shift went to the person waiting, as a cancellation would.
    [vacancy] = erased.vacancies
    assert [offer.volunteer_id for offer in vacancy.offers] == [waiting]
    await db.commit()
    db.expire_all()

    mine = await db.get(Signup, future_id)
    assert mine is not None and mine.status == "cancelled"
    reminders = await db.scalars(select(Reminder.status).where(Reminder.signup_id == mine.id))
    assert set(reminders) <= {ReminderStatus.CANCELLED}
    # Her past service still counts, anonymously.
    minutes = await db.scalars(
        select(ServiceRecord.credited_minutes)
        .join(Signup, Signup.id == ServiceRecord.signup_id)
        .where(Signup.volunteer_id == erin)
    )
    assert list(minutes) == [180]
    # Her certificate still verifies as issued, with its hours, naming nobody.
    found = await certificate.verify(db, world.certificate_code)
    assert found is not None
    _, statement = found
    assert (statement.name, statement.id_number, statement.credited) == (None, None, 180)
    # The actions stay in the log; her unfinished call was cancelled.
    actions = list(await db.scalars(select(audit.AuditEntry.action)))
    assert "volunteer.registered" in actions and "volunteer.erased" in actions
    calls = await db.scalars(select(Broadcast.status).order_by(Broadcast.id))
    assert list(calls) == ["done", "cancelled"]
    # Nothing half-kept: a conversation, a role, a membership of hers.
    assert await db.get(ConversationState, ERIN) is None
    unused = select(Invite.id).where(
        Invite.used_by.is_(None), Invite.withdrawn_at.is_(None), Invite.expires_at > NOW
    )
    assert await db.scalar(unused) is None  # her invite no longer works


async def test_a_registration_left_half_way_is_forgotten_after_30_days(db: AsyncSession) -> None:
    registered = (await make_volunteer(db)).telegram_id
    assert registered is not None
    for telegram_id, flow, days in [
        (ERIN, "register", 31),  # abandoned: forgotten
        (ERIN + 1, "register", 29),  # still fresh
        (registered, "profile", 31),  # a registered volunteer's edit: ended
    ]:
        db.add(
            ConversationState(
                telegram_id=telegram_id,
                flow=flow,
                step="phone",
                data={"draft": {"name": NAME}},
                version=1,
                updated_at=NOW - timedelta(days=days),
            )
        )
    await db.commit()

    assert await erasure.expire_drafts(db, now=NOW) == 2
    await db.commit()
    db.expire_all()
    states = {s.telegram_id: s for s in await db.scalars(select(ConversationState))}
    assert set(states) == {ERIN + 1, registered}
    kept = states[registered]
    assert (kept.flow, kept.step, kept.data, kept.version) == (None, None, {}, 2)
