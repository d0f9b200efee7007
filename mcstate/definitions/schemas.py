"""The JSON Schemas of the definition kinds.

They live in the repository's top-level schemas/ folder so that editors can point at them from the YAML
files (`# yaml-language-server: $schema=../schemas/...`). A regular install ships that folder as the
package mcstate.schemas; an editable install does not make that mapping importable, hence the fallback to
the folder beside the mcstate package.
"""

from __future__ import annotations

import importlib.resources
import json
from functools import cache
from pathlib import Path
from typing import Any

_SOURCE_TREE_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@cache
def schemas_dir() -> Path:
    """The folder holding the *.schema.json files."""
    try:
        packaged = importlib.resources.files("mcstate.schemas")
    except ModuleNotFoundError:
        packaged = None
    # Only a real folder will do: schema_path() promises a Path that editors and tools can open.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    if _SOURCE_TREE_SCHEMAS.is_dir():
        return _SOURCE_TREE_SCHEMAS
    raise FileNotFoundError(f"the mcstate JSON Schemas are not installed (looked in {_SOURCE_TREE_SCHEMAS})")


def schema_path(filename: str) -> Path:
    """The path of one schema file, e.g. schema_path("data_extension.schema.json")."""
    path = schemas_dir() / filename
    if not path.is_file():
        raise FileNotFoundError(f"no JSON Schema named {filename!r} in {schemas_dir()}")
    return path


@cache
def load_schema(filename: str) -> dict[str, Any]:
    """The parsed schema; shared between callers, so never modify it."""
    with schema_path(filename).open(encoding="utf-8") as stream:
        schema: dict[str, Any] = json.load(stream)
    return schema
