"""Between the catalogs' languages (`zh-CN`, `en`) and Telegram's language codes: the IETF tag a
user's app reports (`zh-hans`, `en-GB`) and the two-letter ISO 639-1 code the Bot API takes for
per-language command menus and descriptions (https://core.telegram.org/bots/api#setmycommands)."""

from __future__ import annotations

from collections.abc import Collection


def telegram_code(language: str) -> str:
    """The Bot API's code for a catalog language: `zh` for `zh-CN`, `en` for `en`."""
    return language.split("-", 1)[0].lower()


def preferred(app_language: str | None, languages: Collection[str], default: str) -> str:
    """The catalog language for a user whose Telegram app speaks `app_language` (zh* → zh-CN,
    en* → en), or the deployment's `default` for any other or none."""
    if app_language:
        spoken = telegram_code(app_language)
        for language in languages:
            if telegram_code(language) == spoken:
                return language
    return default
