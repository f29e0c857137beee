"""python-telegram-bot (v22) adapter."""

from __future__ import annotations

import warnings
from typing import Any

import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MenuButtonWebApp,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
    WebAppInfo,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.adapters.base import (
    ALLOWED_UPDATES,
    POLL_TIMEOUT_S,
    StartupError,
    TelegramAdapter,
    Webhook,
    chat_gone,
)
from bot.adapters.ptb_request import AiohttpRequest, may_have_arrived
from bot.dispatcher import Dispatcher
from handlers.events import (
    SETUP,
    Action,
    AnswerButton,
    Attempt,
    AttemptKind,
    ButtonPress,
    Contact,
    DeleteCommands,
    EditMessage,
    Incoming,
    InlineButton,
    InlineKeyboard,
    Location,
    Markup,
    RemoveKeyboard,
    ReplyKeyboard,
    SendDocument,
    Sender,
    SendMessage,
    SendNotice,
    SendPhoto,
    SetCommands,
    SetDescriptions,
    SetMenuButton,
    UploadedFile,
)

READ_SLACK_S = 5.0  # a long poll's answer may come this long after its timeout


class PtbAdapter(TelegramAdapter):
    def __init__(self, dispatcher: Dispatcher, *, token: str, api_base_url: str) -> None:
        super().__init__(dispatcher)
        self.app = (
            Application.builder()
            .token(token)
            .base_url(f"{api_base_url}/bot")
            .base_file_url(f"{api_base_url}/file/bot")
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(pool=1))
            .updater(None)  # polling is ours (bot.adapters.base), to confirm what is recorded
            .build()
        )

    async def _connect(self, webhook: Webhook | None) -> None:
        bot = self.app.bot
        try:
            await self.app.initialize()  # calls getMe
            if webhook is not None:
                await bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret or None,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            else:  # getUpdates is refused while a webhook (from an earlier run) is set
                await bot.delete_webhook()
        except InvalidToken:
            raise StartupError("Telegram refused the bot token (TELEGRAM_BOT_TOKEN)") from None
        except NetworkError as error:
            raise StartupError(f"cannot reach the Telegram Bot API: {error}") from None
        self._started(bot.username)
        await self.app.start()

    async def _close(self) -> None:
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def _fetch(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        # The raw JSON (PTB's get_updates would read it, and one it cannot read fails all).
        options: dict[str, Any] = {
            "timeout": POLL_TIMEOUT_S,
            "limit": limit,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if offset is not None:
            options["offset"] = offset
        # PTB would rather we called its get_updates; the warning says only that.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)
            result = await self.app.bot.do_api_request(
                "getUpdates", api_kwargs=options, read_timeout=POLL_TIMEOUT_S + READ_SLACK_S
            )
        return [update for update in result if isinstance(update, dict)]

    async def feed(self, payload: dict[str, Any]) -> None:
        """PTB reads the update and `to_event` says what it is; PTB's Application does not
        dispatch it. Its handlers, callback contexts and error handlers served nothing of
        volbot's (our dispatcher orders each user's updates and answers its own errors), and
        cost about 11 µs of CPU an update (a `/my` read and handed to a handler that does
        nothing: 104 µs through it, 93 µs directly), as with aiogram's dispatcher
        (bot/adapters/aiogram.py)."""
        update = Update.de_json(payload, self.app.bot)
        event = to_event(update) if update is not None else None
        if event is not None:
            await self.process(event)

    def _classify(self, error: Exception) -> Attempt:
        reason = str(error)
        if isinstance(error, RetryAfter):
            retry = error.retry_after
            wait = retry if isinstance(retry, int | float) else retry.total_seconds()
            return Attempt(AttemptKind.FLOOD, retry_after=float(wait), reason=reason)
        if isinstance(error, Forbidden) or (
            isinstance(error, BadRequest) and chat_gone(error.message)
        ):
            return Attempt(AttemptKind.UNREACHABLE, reason=reason)
        if isinstance(error, NetworkError):  # TimedOut too
            return Attempt(
                AttemptKind.UNCERTAIN if may_have_arrived(error) else AttemptKind.TRANSIENT,
                reason=reason,
            )
        return Attempt(AttemptKind.REFUSED, reason=reason)

    async def _perform(self, action: Action) -> int | None:
        bot = self.app.bot
        if isinstance(action, SETUP):
            await self._set_up(action)
            return None
        if isinstance(action, SendMessage):
            sent = await bot.send_message(
                action.chat_id, action.text, reply_markup=to_markup(action.markup)
            )
        elif isinstance(action, EditMessage):
            await bot.edit_message_text(
                action.text,
                chat_id=action.chat_id,
                message_id=action.message_id,
                reply_markup=inline_markup(action.markup),
            )
            return action.message_id
        elif isinstance(action, AnswerButton):
            await bot.answer_callback_query(
                action.query_id, text=action.text, show_alert=action.alert
            )
            return None
        elif isinstance(action, SendDocument):
            sent = await bot.send_document(
                action.chat_id, action.content, filename=action.filename, caption=action.caption
            )
        elif isinstance(action, SendPhoto):
            sent = await bot.send_photo(
                action.chat_id, action.content, filename=action.filename, caption=action.caption
            )
        elif isinstance(action, SendNotice):
            sent = await self._send_notice(action)
        else:
            sent = await bot.send_location(
                action.chat_id, latitude=action.latitude, longitude=action.longitude
            )
        return sent.message_id

    async def _send_notice(self, notice: SendNotice) -> Message:
        bot, markup = self.app.bot, to_markup(notice.markup)
        paid = notice.paid_broadcast or None
        if notice.photo_id is not None:
            return await bot.send_photo(
                notice.chat_id,
                notice.photo_id,
                caption=notice.text,
                reply_markup=markup,
                allow_paid_broadcast=paid,
            )
        return await bot.send_message(
            notice.chat_id, notice.text, reply_markup=markup, allow_paid_broadcast=paid
        )

    async def download(self, file_id: str) -> bytes:
        file = await self.app.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    async def _set_up(
        self, action: SetCommands | DeleteCommands | SetDescriptions | SetMenuButton
    ) -> None:
        """The bot's menus and descriptions (see `handlers.menus`)."""
        bot = self.app.bot
        if isinstance(action, SetMenuButton):
            await bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(action.label, WebAppInfo(action.url))
            )
        elif isinstance(action, SetDescriptions):
            language = action.language or None
            await bot.set_my_description(action.description, language_code=language)
            await bot.set_my_short_description(action.short_description, language_code=language)
        elif isinstance(action, DeleteCommands):
            await bot.delete_my_commands(scope=BotCommandScopeChat(action.chat_id))
        else:
            await bot.set_my_commands(
                [BotCommand(c.command, c.description) for c in action.commands],
                scope=BotCommandScopeChat(action.chat_id)
                if action.chat_id is not None
                else BotCommandScopeAllPrivateChats(),
                language_code=action.language or None,
            )


def inline_button(button: InlineButton) -> InlineKeyboardButton:
    web_app = WebAppInfo(button.web_app) if button.web_app is not None else None
    return InlineKeyboardButton(
        button.label, callback_data=button.callback_data, url=button.url, web_app=web_app
    )


def inline_markup(markup: InlineKeyboard | None) -> InlineKeyboardMarkup | None:
    """An inline keyboard (the only kind an edited message can carry)."""
    if markup is None:
        return None
    return InlineKeyboardMarkup([[inline_button(b) for b in row] for row in markup.rows])


def to_markup(
    markup: Markup | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if isinstance(markup, InlineKeyboard):
        return inline_markup(markup)
    if isinstance(markup, ReplyKeyboard):
        return ReplyKeyboardMarkup(
            [
                [
                    KeyboardButton(
                        b.label,
                        request_contact=b.request_contact,
                        request_location=b.request_location,
                    )
                    for b in row
                ]
                for row in markup.rows
            ],
            resize_keyboard=True,
            one_time_keyboard=markup.one_time,
        )
    if isinstance(markup, RemoveKeyboard):
        return ReplyKeyboardRemove()
    return None


def to_event(update: Update) -> Incoming | None:
    """Our event for a PTB update, or None for kinds the bot does not handle."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        return Incoming(
            update_id=update.update_id,
            sender=_sender(query.from_user),
            chat_id=message.chat.id if message is not None else query.from_user.id,
            chat_type=message.chat.type if message is not None else "private",
            press=ButtonPress(
                query_id=query.id,
                data=query.data or "",
                message_id=message.message_id if message is not None else None,
            ),
        )
    if update.my_chat_member is not None:
        member = update.my_chat_member
        return Incoming(
            update_id=update.update_id,
            sender=_sender(member.from_user),
            chat_id=member.chat.id,
            chat_type=member.chat.type,
            blocked=member.new_chat_member.status in ("kicked", "left"),
            chat_title=member.chat.title,
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    document = message.document
    return Incoming(
        update_id=update.update_id,
        sender=_sender(message.from_user),
        chat_id=message.chat.id,
        chat_type=message.chat.type,
        text=message.text,
        contact=Contact(message.contact.phone_number, message.contact.user_id)
        if message.contact
        else None,
        location=_location(message.location) if message.location else None,
        file=UploadedFile(
            document.file_id, document.file_name, document.mime_type, document.file_size
        )
        if document
        else None,
        photo_id=message.photo[-1].file_id if message.photo else None,
        caption=message.caption,
        forwarded=message.forward_origin is not None,
    )


def _location(shared: telegram.Location) -> Location:
    # The attribute warns of its coming type change (v22.2); only whether it is there matters.
    live = shared.to_dict().get("live_period") is not None
    return Location(shared.latitude, shared.longitude, live=live)


def _sender(user: User) -> Sender:
    return Sender(
        id=user.id,
        first_name=user.first_name,
        username=user.username,
        language_code=user.language_code,
    )
