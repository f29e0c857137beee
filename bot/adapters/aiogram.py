"""aiogram (v3) adapter."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, types
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    MenuButtonWebApp,
    Message,
    Update,
    User,
    WebAppInfo,
)
from aiohttp import JsonPayload

from bot.adapters.base import (
    ALLOWED_UPDATES,
    POLL_TIMEOUT_S,
    StartupError,
    TelegramAdapter,
    Webhook,
    chat_gone,
)
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
    ReplyButton,
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

READ_SLACK_S = 5  # a long poll's answer may come this long after its timeout


class JsonMethod:
    """A method of the bot's own that carries no file: sent as one JSON object (`Session`)."""


class RawGetUpdates(JsonMethod, TelegramMethod[list[dict[str, Any]]]):
    """getUpdates answered as Telegram's JSON (aiogram's GetUpdates reads every update, and one
    it cannot read fails them all)."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class SendText(JsonMethod, TelegramMethod[dict[str, Any]]):
    """sendMessage with its keyboard given as Telegram's JSON (`to_markup`) and the message sent
    answered as Telegram's JSON: only its id is read. aiogram's SendMessage made a pydantic
    model of every button, dumped them back to dicts to send, and read the answer (the message,
    its keyboard echoed) into models again: about a third of the CPU of sending an answer."""

    __returning__ = dict[str, Any]
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    allow_paid_broadcast: bool | None = None


class SendPhotoById(JsonMethod, TelegramMethod[dict[str, Any]]):
    """sendPhoto of a photo Telegram holds (its file id), as `SendText`."""

    __returning__ = dict[str, Any]
    __api_method__ = "sendPhoto"

    chat_id: int
    photo: str
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    allow_paid_broadcast: bool | None = None


class EditText(JsonMethod, TelegramMethod[dict[str, Any] | bool]):
    """editMessageText, as `SendText`."""

    __returning__ = dict[str, Any] | bool
    __api_method__ = "editMessageText"

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None = None


class Session(AiohttpSession):
    """aiogram's session, keeping the model of each kind of answer it has read.

    aiogram reads an answer as `Response[method.__returning__]`. pydantic makes that model on first
    use and caches it only while something refers to it (a weak cache). Nothing did, so after each
    garbage collection the next answer of each kind made its model anew, about 4 ms of CPU each:
    8 % of the bot's time under load."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answer_models: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in self._answer_models:
            self._answer_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        """A `JsonMethod` goes as one JSON object. aiogram's form prepares each field on its own
        (a keyboard field by field), and every form sets up a multipart writer, with a random
        boundary, that a request with no file then does not use."""
        if isinstance(method, JsonMethod):
            fields = method.model_dump(exclude_none=True)
            return JsonPayload(fields, dumps=self.json_dumps)
        return super().build_form_data(bot, method)


class AiogramAdapter(TelegramAdapter):
    def __init__(self, dispatcher: Dispatcher, *, token: str, api_base_url: str) -> None:
        super().__init__(dispatcher)
        session = Session(api=TelegramAPIServer.from_base(api_base_url))
        self.bot = Bot(token, session=session)

    async def _connect(self, webhook: Webhook | None) -> None:
        try:
            me = await self.bot.get_me()
            if webhook is not None:
                await self.bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret or None,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            else:  # getUpdates is refused while a webhook (from an earlier run) is set
                await self.bot.delete_webhook()
        except TelegramUnauthorizedError:
            await self.bot.session.close()
            raise StartupError("Telegram refused the bot token (TELEGRAM_BOT_TOKEN)") from None
        except TelegramNetworkError as error:
            await self.bot.session.close()
            raise StartupError(f"cannot reach the Telegram Bot API: {error}") from None
        self._started(me.username)

    async def _close(self) -> None:
        await self.bot.session.close()

    async def _fetch(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        poll = RawGetUpdates(
            offset=offset,
            limit=limit,
            timeout=POLL_TIMEOUT_S,
            allowed_updates=list(ALLOWED_UPDATES),
        )
        updates = await self.bot(poll, request_timeout=POLL_TIMEOUT_S + READ_SLACK_S)
        return list(updates)

    async def feed(self, payload: dict[str, Any]) -> None:
        """aiogram reads the update; which of the three kinds it is (`ALLOWED_UPDATES`) says
        where it goes. aiogram's own dispatcher is not needed for that: its routers, filters and
        middlewares (errors, the user's context, the FSM) served nothing of volbot's and cost
        0.12 ms of CPU an update (a message fed to a handler that does nothing: 166-168 µs
        through it, 41-51 µs read and handed over directly)."""
        update = Update.model_validate(payload, context={"bot": self.bot})
        if update.message is not None:
            await self._on_message(update.message, update)
        elif update.callback_query is not None:
            await self._on_press(update.callback_query, update)
        elif update.my_chat_member is not None:
            await self._on_membership(update.my_chat_member, update)

    async def _on_message(self, message: Message, event_update: Update) -> None:
        if message.from_user is None:
            return
        document = message.document
        await self.process(
            Incoming(
                update_id=event_update.update_id,
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
        )

    async def _on_press(self, query: CallbackQuery, event_update: Update) -> None:
        message = query.message
        await self.process(
            Incoming(
                update_id=event_update.update_id,
                sender=_sender(query.from_user),
                chat_id=message.chat.id if message is not None else query.from_user.id,
                chat_type=message.chat.type if message is not None else "private",
                press=ButtonPress(
                    query_id=query.id,
                    data=query.data or "",
                    message_id=message.message_id if message is not None else None,
                ),
            )
        )

    async def _on_membership(self, member: ChatMemberUpdated, event_update: Update) -> None:
        await self.process(
            Incoming(
                update_id=event_update.update_id,
                sender=_sender(member.from_user),
                chat_id=member.chat.id,
                chat_type=member.chat.type,
                blocked=member.new_chat_member.status in ("kicked", "left"),
                chat_title=member.chat.title,
            )
        )

    def _classify(self, error: Exception) -> Attempt:
        reason = str(error)
        if isinstance(error, TelegramRetryAfter):
            return Attempt(AttemptKind.FLOOD, retry_after=float(error.retry_after), reason=reason)
        if isinstance(error, TelegramForbiddenError) or (
            isinstance(error, TelegramBadRequest) and chat_gone(error.message)
        ):
            return Attempt(AttemptKind.UNREACHABLE, reason=reason)
        if isinstance(error, TelegramServerError):
            return Attempt(AttemptKind.TRANSIENT, reason=reason)
        if isinstance(error, TelegramNetworkError):
            # aiogram names the aiohttp error: a connection never made sent nothing; a timeout
            # or a dropped connection leaves the request's fate unknown.
            connect = error.message.startswith("ClientConnector")
            return Attempt(
                AttemptKind.TRANSIENT if connect else AttemptKind.UNCERTAIN, reason=reason
            )
        return Attempt(AttemptKind.REFUSED, reason=reason)

    async def _perform(self, action: Action) -> int | None:
        if isinstance(action, SETUP):
            await self._set_up(action)
            return None
        if isinstance(action, SendMessage):
            answer = SendText(
                chat_id=action.chat_id, text=action.text, reply_markup=to_markup(action.markup)
            )
            return int((await self.bot(answer))["message_id"])
        if isinstance(action, EditMessage):
            edit = EditText(
                chat_id=action.chat_id,
                message_id=action.message_id,
                text=action.text,
                reply_markup=to_markup(action.markup),
            )
            await self.bot(edit)
            return action.message_id
        if isinstance(action, SendNotice):
            return await self._send_notice(action)
        if isinstance(action, AnswerButton):
            await self.bot.answer_callback_query(
                action.query_id, text=action.text, show_alert=action.alert
            )
            return None
        if isinstance(action, SendDocument):
            sent = await self.bot.send_document(
                action.chat_id,
                BufferedInputFile(action.content, action.filename),
                caption=action.caption,
            )
        elif isinstance(action, SendPhoto):
            sent = await self.bot.send_photo(
                action.chat_id,
                BufferedInputFile(action.content, action.filename),
                caption=action.caption,
            )
        else:
            sent = await self.bot.send_location(
                action.chat_id, latitude=action.latitude, longitude=action.longitude
            )
        return sent.message_id

    async def _set_up(
        self, action: SetCommands | DeleteCommands | SetDescriptions | SetMenuButton
    ) -> None:
        """The bot's menus and descriptions (see `handlers.menus`)."""
        if isinstance(action, SetMenuButton):
            await self.bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(text=action.label, web_app=WebAppInfo(url=action.url))
            )
        elif isinstance(action, SetDescriptions):
            language = action.language or None
            await self.bot.set_my_description(
                description=action.description, language_code=language
            )
            await self.bot.set_my_short_description(
                short_description=action.short_description, language_code=language
            )
        elif isinstance(action, DeleteCommands):
            await self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=action.chat_id))
        else:
            scope = (
                BotCommandScopeChat(chat_id=action.chat_id)
                if action.chat_id is not None
                else BotCommandScopeAllPrivateChats()
            )
            await self.bot.set_my_commands(
                [BotCommand(command=c.command, description=c.description) for c in action.commands],
                scope=scope,
                language_code=action.language or None,
            )

    async def _send_notice(self, notice: SendNotice) -> int:
        markup = to_markup(notice.markup)
        paid = notice.paid_broadcast or None
        send: SendText | SendPhotoById
        if notice.photo_id is not None:
            send = SendPhotoById(
                chat_id=notice.chat_id,
                photo=notice.photo_id,
                caption=notice.text,
                reply_markup=markup,
                allow_paid_broadcast=paid,
            )
        else:
            send = SendText(
                chat_id=notice.chat_id,
                text=notice.text,
                reply_markup=markup,
                allow_paid_broadcast=paid,
            )
        return int((await self.bot(send))["message_id"])

    async def download(self, file_id: str) -> bytes:
        file = await self.bot.get_file(file_id)
        assert file.file_path is not None
        content = await self.bot.download_file(file.file_path)
        assert content is not None
        return content.read()


def to_markup(markup: Markup | None) -> dict[str, Any] | None:
    """A keyboard as Telegram's JSON (`reply_markup`)."""
    if markup is None:
        return None
    return _keyboard(markup)


def _keyboard(markup: Markup) -> dict[str, Any]:
    if isinstance(markup, InlineKeyboard):
        return {"inline_keyboard": [[_inline_button(b) for b in row] for row in markup.rows]}
    if isinstance(markup, ReplyKeyboard):
        return {
            "keyboard": [[_reply_button(b) for b in row] for row in markup.rows],
            "resize_keyboard": True,
            "one_time_keyboard": markup.one_time,
        }
    return {"remove_keyboard": True}


def _inline_button(button: InlineButton) -> dict[str, Any]:
    shown: dict[str, Any] = {"text": button.label}
    if button.callback_data is not None:
        shown["callback_data"] = button.callback_data
    if button.url is not None:
        shown["url"] = button.url
    if button.web_app is not None:
        shown["web_app"] = {"url": button.web_app}
    return shown


def _reply_button(button: ReplyButton) -> dict[str, Any]:
    shown: dict[str, Any] = {"text": button.label}
    if button.request_contact:
        shown["request_contact"] = True
    if button.request_location:
        shown["request_location"] = True
    return shown


def _location(shared: types.Location) -> Location:
    return Location(shared.latitude, shared.longitude, live=shared.live_period is not None)


def _sender(user: User) -> Sender:
    return Sender(
        id=user.id,
        first_name=user.first_name,
        username=user.username,
        language_code=user.language_code,
    )
