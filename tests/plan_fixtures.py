"""Plans for rendering tests, made by the real planner without any network.

A fixture under tests/fixtures/plans/<name>/ has two definitions folders: `account/` describes what the
account holds (turned into live objects with made-up identifiers) and `definitions/` what the definitions
want. The plan between them is what a reviewer would see.
"""

from __future__ import annotations

import copy
from pathlib import Path

from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired, lookup_address
from mcstate.plan import Plan
from mcstate.planner import make_plan
from mcstate.resources import declarable
from mcstate.resources.base import Live
from mcstate.resources.folder import root_content_types

FIXTURES = Path(__file__).parent / "fixtures" / "plans"
TARGET = "production"

# Set up in the account, never declared: what extracts and transfers refer to.
FIXED_LIVE = [
    Live("FileLocation", "ExactTarget Enhanced FTP", {"name": "ExactTarget Enhanced FTP"}, {"id": "loc-ftp"}),
    Live("DataExtractType", "Data Extension Extract", {}, {"id": "type-de-extract"}),
]


def desired_from(folder: Path) -> DesiredState:
    return build_desired(load_documents(folder, declarable()))


def account_from(desired: DesiredState) -> dict[str, dict[str, Live]]:
    """Live objects equal to the desired ones, with stable made-up identifiers."""
    live: dict[str, dict[str, Live]] = {}
    objects = [
        *(
            Live("Folder", root, {"content_type": kind, "description": ""})
            for root, kind in root_content_types().items()
        ),
        *(Live(obj.kind, obj.key, copy.deepcopy(obj.attributes)) for obj in desired),
        *FIXED_LIVE,
    ]
    for number, obj in enumerate(objects, start=1):
        if obj.kind == "Folder":
            obj.attributes["description"] = obj.attributes.get("description") or ""
            ids: dict[str, object] = {"id": number}
        else:
            ids = {"object_id": f"{obj.kind.lower()}-{number:04d}"}
        if obj.kind == "DataExtension":
            ids["modified"] = "2026-03-01 08:00:00"
            ids["fields"] = {
                f["name"]: f"field-{number:04d}-{i}" for i, f in enumerate(obj.attributes["fields"])
            }
        obj.ids.update(ids)
        live.setdefault(obj.kind, {})[lookup_address(obj.kind, obj.key)] = obj
    return live


def fixture_plan(name: str) -> tuple[Plan, DesiredState]:
    root = FIXTURES / name
    desired = desired_from(root / "definitions")
    account = desired_from(root / "account") if (root / "account").exists() else DesiredState({})
    return make_plan(desired, account_from(account), TARGET), desired
