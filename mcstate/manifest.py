"""Which objects mcstate manages, recorded in the account itself (no local state file).

After each successful apply, mcstate writes one row per managed object into a data extension of its own in the
account (`MANIFEST_KEY`): the object's address, a hash of the definition as applied, a hash of the account's
object as it was right after apply, and whether the definition said prevent_destroy. This is what lets
`--prune` delete only objects mcstate created and never one whose last definition was protected, and what lets
`drift` tell which side changed (the account's hash moved away from the applied one: changed in the account;
the definition's hash moved: changed in the repository).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MANIFEST_KEY = "mcstate_managed_objects"


@dataclass(frozen=True)
class ManifestEntry:
    kind: str
    key: str
    definition_hash: str  # hash of the normalized desired attributes that were applied
    applied_hash: str  # hash of the normalized live attributes read right after apply
    prevent_destroy: bool

    @property
    def address(self) -> str:
        return f"{self.kind}:{self.key}"


def attributes_hash(attributes: Mapping[str, Any]) -> str:
    """A stable fingerprint of normalized attributes (key order and JSON spacing do not matter)."""
    text = json.dumps(attributes, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Still to come in this module: read_manifest(client) -> dict[address, ManifestEntry] ({} when the data
# extension does not exist yet) and write_manifest(client, upserts, removals), creating it on first use.
