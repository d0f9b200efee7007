"""Values shared by the types' `to_definition`: how a live value is written so that `from_document` reads
it back as the same value."""

from __future__ import annotations

from typing import Any

from mcstate.resources.base import NotRepresentable

SEPARATOR = "/"
NUMBER_TYPES = ("Number", "Decimal")


def written_scalar(text: str, field_type: str | None = None) -> str | int | float | bool:
    """A value the service keeps as text, as a person would write it for a field of `field_type`: `0`
    rather than `"0"` for a Number, `true` for a Boolean. Only when the definitions turn it back into
    exactly `text` (YAML `0` becomes "0", but `007` would become "7", so "007" stays text)."""
    if field_type == "Boolean" and text in ("true", "false"):
        return text == "true"
    if field_type in NUMBER_TYPES:
        for convert in (int, float):
            try:
                number = convert(text)
            except ValueError:
                continue
            if str(number) == text:
                return number
    return text


def written_folder(folder: Any, root: str) -> str | NotRepresentable | None:
    """The `folder:` attribute for an object in `folder`: None when it is the root (the default)."""
    if folder is None:
        return NotRepresentable(
            "its folder is not in the account's folder tree as mcstate reads it (a folder shared from "
            "another business unit, or one of a type mcstate does not read)"
        )
    path = str(folder)
    parts = path.split(SEPARATOR)
    if parts[0] != root:
        return NotRepresentable(f"it is in the folder '{path}', outside the root folder '{root}'")
    if any(part != part.strip() or not part for part in parts):
        return NotRepresentable(
            f"its folder path '{path}' has a folder name that starts or ends with a space, which a folder "
            "path in a definition cannot express"
        )
    return None if path == root else path
