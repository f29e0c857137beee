"""A local Telegram Bot API sandbox: the real bot libraries talk to it over HTTP, and tests (or a
person in a terminal) act as Telegram users. See `sandbox.server` for the server and
`sandbox.users` for the people's side."""

from sandbox.faults import Fault, Faults
from sandbox.limits import Limits
from sandbox.records import (
    ApiCall,
    Button,
    CallbackAnswer,
    ReplyButton,
    SentDocument,
    SentMessage,
)
from sandbox.server import DEFAULT_TOKEN, BotApiSandbox
from sandbox.users import OWN, SandboxGroup, SandboxUser

__all__ = [
    "DEFAULT_TOKEN",
    "OWN",
    "ApiCall",
    "BotApiSandbox",
    "Button",
    "CallbackAnswer",
    "Fault",
    "Faults",
    "Limits",
    "ReplyButton",
    "SandboxGroup",
    "SandboxUser",
    "SentDocument",
    "SentMessage",
]
