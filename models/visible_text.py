"""One sanitiser for text people type that other people will read: names, activity and team
names, help requests, ratings, recruitment calls, messages to a shift.

It removes what is there but shows nothing, or changes how the rest shows: direction overrides,
embeddings and isolates (U+202A–U+202E, U+2066–U+2069: `evil\u202etxt.exe` reads `evilexe.txt`),
zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and every other format character (Unicode
category Cf), and the Hangul fillers, which are letters that draw nothing. It runs in the checks
of typed text, before storage, so every reader — chat, export, report — gets the clean form.

The cost, accepted: joined emoji sequences (👨‍👩‍👧, joined by U+200D) fall apart into their
parts, and scripts that use U+200C/U+200D for shaping (Persian, some Indic spellings) show the
default joining.
"""

from __future__ import annotations

import unicodedata

# Letters (category Lo) that render as blank space: used to make "empty" names.
HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char in HANGUL_FILLERS


def visible(text: str) -> str:
    """`text` without format characters (bidi controls, zero-width ones) and Hangul fillers."""
    return "".join(char for char in text if not invisible(char))
