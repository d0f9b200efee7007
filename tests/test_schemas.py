"""The shipped JSON Schemas are valid Draft 2020-12 schemas (the loader trusts them without checking)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from mcstate.definitions.schemas import load_schema, schemas_dir


@pytest.mark.parametrize("name", sorted(path.name for path in schemas_dir().glob("*.schema.json")))
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))
