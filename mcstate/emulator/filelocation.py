"""File transfer locations: the built-in ones (rules.FILE_LOCATIONS) and those created over REST
(data/v1/filetransferlocation: create, read, change and delete by CustomerKey). A created location's
secrets are kept and never answered; an external location stands as a folder of the file area."""

from __future__ import annotations

import json
import uuid
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.store import Store

TABLE = "file_locations"


def _seed(row: dict[str, Any]) -> rules.FileLocationSeed:
    type_id, details_name, _, _ = rules.LOCATION_TYPES[row["location_type"]]
    details = json.loads(row["details"])
    return rules.FileLocationSeed(
        id=row["id"],
        name=row["name"],
        location_type_id=type_id,
        location_url=details.get("url"),
        customer_key=row["customer_key"],
        location_type=row["location_type"],
        description=row["description"],
        details_name=details_name,
        details=tuple(details.items()),
    )


def all_locations(store: Store) -> list[rules.FileLocationSeed]:
    return [*rules.FILE_LOCATIONS, *(_seed(row) for row in store.rest_rows(TABLE))]


def by_id(store: Store, location_id: str) -> rules.FileLocationSeed | None:
    return next((s for s in all_locations(store) if s.id.casefold() == location_id.casefold()), None)


def by_key(store: Store, key: str) -> rules.FileLocationSeed | None:
    """By CustomerKey, or a built-in location by its name (compared without case)."""
    wanted = key.strip().casefold()
    return next((s for s in all_locations(store) if (s.customer_key or s.name).casefold() == wanted), None)


def folder(seed: rules.FileLocationSeed) -> str:
    """Where the file area keeps what is on the location."""
    if seed.name == rules.ENHANCED_FTP_LOCATION:
        return rules.IMPORT_FOLDER
    return f"{rules.LOCATIONS_FOLDER}/{seed.customer_key or seed.name}"


def _checked(body: Any, current: dict[str, Any] | None, store: Store) -> dict[str, Any]:
    location = body.get("fileTransferLocation") if isinstance(body, dict) else None
    if not isinstance(location, dict):
        raise rules.location_invalid('Send {"fileTransferLocation": {...}}.')
    old = current or {}
    key = str(location.get("customerKey") or old.get("customer_key") or "").strip()
    name = str(location.get("name") or old.get("name") or "").strip()
    if not key or not name:
        raise rules.location_invalid("customerKey and name are required.")
    location_type = str(location.get("locationType") or old.get("location_type") or "")
    if location_type not in rules.LOCATION_TYPES:
        raise rules.location_invalid(
            f"locationType {location_type or '(none)'} is not one of {', '.join(rules.LOCATION_TYPES)}."
        )
    if current is not None and location_type != current["location_type"]:
        raise rules.location_invalid("The locationType of a file location cannot change.")
    _, details_name, required, secret_names = rules.LOCATION_TYPES[location_type]
    given = location.get(details_name)
    details = dict(json.loads(old["details"])) if current else {}
    secrets = dict(json.loads(old["secrets"])) if current else {}
    if given is not None and not isinstance(given, dict):
        raise rules.location_invalid(f"{details_name} must be an object.")
    for name_, value in (given or {}).items():
        (secrets if name_ in secret_names else details)[name_] = value
    missing = [field for field in required if not details.get(field)]
    if missing:
        raise rules.location_invalid(f"{details_name} needs {', '.join(missing)}.")
    other = store.rest_row_by_key(TABLE, key)
    if other is not None and other["id"] != old.get("id"):
        raise rules.location_invalid(f"A file location with the customerKey {key} already exists.")
    now = rules.rest_timestamp(rules.server_now())
    return {
        "id": old.get("id") or str(uuid.uuid4()),
        "customer_key": key,
        "name": name,
        "description": str(location.get("description", old.get("description", "")) or ""),
        "location_type": location_type,
        "details": json.dumps(details),
        "secrets": json.dumps(secrets),
        "created": old.get("created") or now,
        "modified": now,
    }


def answer(row: dict[str, Any]) -> dict[str, Any]:
    _, details_name, _, _ = rules.LOCATION_TYPES[row["location_type"]]
    return {
        "fileTransferLocation": {
            "customerKey": row["customer_key"],
            "name": row["name"],
            "description": row["description"],
            "locationType": row["location_type"],
            details_name: json.loads(row["details"]),
        },
        "requestId": str(uuid.uuid4()),
        "resultMessages": [],
    }


def create(store: Store, body: Any) -> dict[str, Any]:
    row = _checked(body, None, store)
    store.insert_rest_row(TABLE, row)
    return answer(row)


def update(store: Store, key: str, body: Any) -> dict[str, Any] | None:
    current = store.rest_row_by_key(TABLE, key)
    if current is None:
        return None
    if isinstance(body, dict) and isinstance(body.get("fileTransferLocation"), dict):
        body["fileTransferLocation"].setdefault("customerKey", current["customer_key"])
    row = _checked(body, current, store)
    store.update_rest_row(TABLE, row)
    return answer(row)


def delete(store: Store, key: str) -> bool:
    current = store.rest_row_by_key(TABLE, key)
    if current is None:
        return False
    store.delete_rest_row(TABLE, current["id"])
    return True
