"""/profile: a registered volunteer sees what we hold about them and changes one answer."""

from __future__ import annotations

from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.registration import fields
from handlers.registration.fields import Field
from handlers.registration.register import describe
from handlers.router import Router
from handlers.training import holders
from models.registration import volunteers
from models.registration.volunteers import Draft, SealedId

router = Router()

# Changing one answer: the flow starts at that answer's question and ends once it is saved.
PROFILE = Flow("profile", Field, starts=tuple(Field), moves={})
fields.asked_in(PROFILE)


def editable_fields(ctx: Context) -> list[Field]:
    """Every answer can be changed; the ID number where the deployment can encrypt one."""
    return [f for f in Field if f != Field.ID_NUMBER or ctx.cipher is not None]


@router.command("profile", menu=100, registered=True)
async def show_profile(ctx: Context) -> None:
    """The user asked to see their profile."""
    if ctx.state.flow is not None:
        ctx.finish()  # leaving a half-done edit: nothing of it was saved
    await _send_profile(ctx)


async def _send_profile(ctx: Context) -> None:
    assert ctx.volunteer is not None
    draft = volunteers.draft_of(ctx.volunteer)
    if ctx.volunteer.id_number_masked:
        draft.sealed_id = SealedId("", "", ctx.volunteer.id_number_masked, "")
    named = {field: ctx.t(f"profile.field_{field}") for field in editable_fields(ctx)}
    qualified = await holders.own_lines(ctx, ctx.volunteer)
    ctx.say(
        "\n\n".join([ctx.t("profile.header"), await describe(ctx, draft), *qualified[:1]])
        + "".join(f"\n{line}" for line in qualified[1:]),
        keyboard(*ctx.choices(named, EditProfileField, 2)),
    )


class EditProfileField(Button, action="prof.edit"):
    """The volunteer chose the answer in their profile to change."""

    field: Field


@router.button(EditProfileField)
async def start_edit(ctx: Context, edit: EditProfileField) -> None:
    """The user chose the answer to change."""
    if ctx.volunteer is None or edit.field not in editable_fields(ctx):
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.data = {"draft": volunteers.draft_of(ctx.volunteer).to_json()}
    await PROFILE.ask(ctx, edit.field)


@fields.after_field(PROFILE)
async def save_field(ctx: Context, draft: Draft, answered: Field) -> None:
    """One answer was given: save it, and show the profile again."""
    assert ctx.volunteer is not None
    await volunteers.update_profile(ctx.session, ctx.volunteer, draft, [answered], ctx.clock.now())
    ctx.finish()
    ctx.say(ctx.t("profile.saved"))
    await _send_profile(ctx)
