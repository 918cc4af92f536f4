"""Checks on names: hidden files and characters that make a name lie about itself.

Bidirectional-override characters (U+202A..U+202E, U+2066..U+2069) let
``invoice\u202excs.exe`` display as ``invoiceexe.scx``; control characters can
rewrite a terminal line. Both are blocked; hidden files go to a reviewer.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from orchestrator.checks.context import Context
from orchestrator.checks.model import Location

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def unsafe_characters(name: str) -> list[str]:
    """Descriptions of the control and bidi characters in ``name`` (e.g. ``U+202E``)."""
    found: list[str] = []
    for char in name:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cf"):
            label = f"U+{ord(char):04X}"
            if label not in found:
                found.append(label)
    return found


def hidden_parts(name: str) -> list[str]:
    """The components of ``name`` that are hidden (start with a dot, other than . and ..)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return [p for p in parts if p.startswith(".") and p not in (".", "..")]


def check_name(ctx: Context, name: str, location: Location | None = None) -> None:
    """Findings for hidden components and unsafe characters in ``name``."""
    unsafe = unsafe_characters(name)
    if unsafe:
        ctx.add(
            "names.unsafe_characters",
            "name contains control or bidirectional-override characters: " + ", ".join(unsafe),
            location,
        )
    hidden = hidden_parts(name)
    if hidden:
        shown = ", ".join(repr(h) for h in hidden[:3])
        ctx.add("names.hidden", f"hidden file or folder: {shown}", location)


def check_member_name(ctx: Context, name: str) -> None:
    """Name checks for an archive member, located at that member."""
    check_name(ctx, name, Location(member=name))
