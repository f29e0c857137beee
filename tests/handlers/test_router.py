"""The router's guards: a handler for registered volunteers only (`registered=True`) never runs for
someone who is not one; they are refused with the route's `refusal`, or `not_registered`."""

from typing import Any

import pytest

from handlers.callbacks import Button, ButtonSigner
from handlers.context import Context
from handlers.events import ButtonPress, Incoming, Sender
from handlers.flows import Flow
from handlers.router import Router
from models.conversation import ConversationState
from models.errors import NotAllowed
from models.registration.tables import Volunteer

USER = 1001
signer = ButtonSigner(b"r" * 32)
REGISTERED_STEPS = Flow("test_registered", ["typing"], starts=["typing"], moves={})


class _RegisteredOnly(Button, action="test.registered", lasting=True):
    item_id: int


router = Router()
served: list[str] = []


@router.command("test_mine", registered=True)
async def mine(ctx: Context) -> None:
    served.append(f"command for {ctx.registered_volunteer.full_name}")


@router.button(_RegisteredOnly, registered=True, refusal="test_register_first")
async def press(ctx: Context, pressed: _RegisteredOnly) -> None:
    served.append(f"press {pressed.item_id} for {ctx.registered_volunteer.full_name}")


@router.step(REGISTERED_STEPS, "typing", registered=True)
async def typed(ctx: Context) -> None:
    served.append(f"text for {ctx.registered_volunteer.full_name}")


@router.command("test_anyone")
async def anyone(ctx: Context) -> None:
    served.append("anyone")


def _context(volunteer: Volunteer | None, **payload: Any) -> Context:
    state = ConversationState(telegram_id=USER, data={}, version=0)
    if payload.pop("typing", False):
        state.flow, state.step = REGISTERED_STEPS.name, "typing"
    event = Incoming(update_id=1, sender=Sender(id=USER, first_name="A"), chat_id=USER, **payload)
    return Context(
        event=event,
        session=None,  # type: ignore[arg-type]  # no guard here reads the database
        state=state,
        volunteer=volunteer,
        services=None,  # type: ignore[arg-type]
        signer=signer,
        open_link=None,  # type: ignore[arg-type]
        opens_for_anyone=None,  # type: ignore[arg-type]
    )


def _press(item_id: int) -> ButtonPress:
    return ButtonPress("q", _RegisteredOnly(item_id).pack(signer, USER, 0), message_id=None)


@pytest.fixture(autouse=True)
def _forget_served() -> None:
    served.clear()


async def test_registered_volunteers_reach_the_handler() -> None:
    volunteer = Volunteer(full_name="Wang")
    await router.route(_context(volunteer, text="/test_mine"))
    await router.route(_context(volunteer, press=_press(7)))
    await router.route(_context(volunteer, text="hello", typing=True))
    assert served == ["command for Wang", "press 7 for Wang", "text for Wang"]


@pytest.mark.parametrize(
    ("payload", "refusal"),
    [
        ({"text": "/test_mine"}, "not_registered"),
        ({"press": _press(7)}, "test_register_first"),
        ({"text": "hello", "typing": True}, "not_registered"),
    ],
)
async def test_anyone_else_is_refused_before_the_handler_runs(
    payload: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(NotAllowed) as refused:
        await router.route(_context(None, **payload))
    assert refused.value.code == refusal
    assert served == []


async def test_a_route_without_the_guard_serves_anyone() -> None:
    await router.route(_context(None, text="/test_anyone"))
    assert served == ["anyone"]


def test_the_registered_volunteer_outside_a_guarded_route_is_refused_too() -> None:
    with pytest.raises(NotAllowed) as refused:
        _ = _context(None).registered_volunteer
    assert refused.value.code == "not_registered"
