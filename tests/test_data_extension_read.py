"""Reading data extensions: the fields of a large account come in Retrieves of batches of data extensions
(IN on DataExtension.CustomerKey), side by side when the client allows it; a small account keeps its one
paged Retrieve; an IN list the service refuses falls back to it. With the keys the definitions declare, their
fields are asked for alongside the data extensions, the others' after."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from mcstate.client.filters import Filter, Simple
from mcstate.errors import ApiError
from mcstate.manifest import MANIFEST_KEY
from mcstate.resources.data_extension import FIELD_KEYS_PER_CALL, DataExtensionType


class Account:
    """Answers DataExtension and DataExtensionField Retrieves for `count` data extensions of 3 fields."""

    def __init__(
        self,
        count: int,
        *,
        max_concurrency: int = 1,
        refuse_in: bool = False,
        together: int = 0,
        wait_for_fields: bool = False,
    ) -> None:
        self.keys = [f"de_{number:04d}" for number in range(count)] + [MANIFEST_KEY]
        self.max_concurrency = max_concurrency
        self.refuse_in = refuse_in
        self.calls: list[tuple[str, Filter | None]] = []
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()
        # Field Retrieves wait for each other: they pass only if `together` of them run at the same time.
        self._barrier = threading.Barrier(together) if together else None
        # The DataExtension Retrieve answers only once a field Retrieve has started (or after 10 s).
        self._fields_started = threading.Event() if wait_for_fields else None
        self.overlapped = False

    def retrieve(
        self, object_type: str, properties: Any, filter: Filter | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            self.calls.append((object_type, filter))
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            if object_type == "DataExtension":
                if self._fields_started is not None:
                    self.overlapped = self._fields_started.wait(timeout=10)
                return [{"CustomerKey": key, "Name": key, "ObjectID": f"id-{key}"} for key in self.keys]
            if self._fields_started is not None:
                self._fields_started.set()
            if self._barrier is not None:
                self._barrier.wait(timeout=30)
            if isinstance(filter, Simple):
                if self.refuse_in and filter.operator == "IN":
                    raise ApiError(
                        "Retrieve DataExtensionField", "Error: String or binary data would be truncated."
                    )
                # The service compares keys case-insensitively.
                wanted = {value.casefold() for value in filter.values}
                return self._fields([key for key in self.keys if key.casefold() in wanted])
            return self._fields(self.keys)
        finally:
            with self._lock:
                self.running -= 1

    @staticmethod
    def _fields(keys: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "Name": f"F{ordinal}",
                "ObjectID": f"{key}-{ordinal}",
                "FieldType": "Text",
                "MaxLength": 50,
                "Ordinal": ordinal,
                "IsPrimaryKey": False,
                "IsRequired": False,
                "DataExtension": {"CustomerKey": key, "Name": None},
                "Description": None,
            }
            for key in keys
            for ordinal in range(3)
        ]

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        return []

    def rest_get(self, path: str) -> Any:
        return {}


def _field_calls(account: Account) -> list[Filter | None]:
    return [filter for object_type, filter in account.calls if object_type == "DataExtensionField"]


def test_a_small_account_reads_every_field_in_one_retrieve() -> None:
    account = Account(FIELD_KEYS_PER_CALL - 1)
    objects = DataExtensionType().read(account, {})
    assert _field_calls(account) == [None]
    assert len(objects) == FIELD_KEYS_PER_CALL - 1 and all(len(o.attributes["fields"]) == 3 for o in objects)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_large_account_reads_fields_by_batches_of_data_extensions(concurrency: int) -> None:
    count = FIELD_KEYS_PER_CALL * 2 + 5
    account = Account(count, max_concurrency=concurrency, together=3 if concurrency > 1 else 0)
    objects = DataExtensionType().read(account, {})
    calls = _field_calls(account)
    assert len(calls) == 3
    asked = [key for call in calls if isinstance(call, Simple) for key in call.values]
    assert all(isinstance(call, Simple) and call.property == "DataExtension.CustomerKey" for call in calls)
    assert sorted(asked) == account.keys[:count]  # every data extension once; never the manifest
    assert len(objects) == count and all(len(o.attributes["fields"]) == 3 for o in objects)
    assert objects[0].ids["fields"] == {"F0": "de_0000-0", "F1": "de_0000-1", "F2": "de_0000-2"}
    assert account.most_running == (3 if concurrency > 1 else 1)


def test_rows_keep_only_what_was_asked_for() -> None:
    account = Account(FIELD_KEYS_PER_CALL * 2)
    from mcstate.resources.data_extension import _field_rows_of

    rows = _field_rows_of(account, account.keys[:-1])
    assert "Description" not in rows[0] and rows[0]["DataExtension"] == {"CustomerKey": "de_0000"}


def test_an_in_list_the_service_refuses_falls_back_to_one_retrieve() -> None:
    account = Account(FIELD_KEYS_PER_CALL * 2, refuse_in=True)
    objects = DataExtensionType().read(account, {})
    assert _field_calls(account)[-1] is None
    assert all(len(o.attributes["fields"]) == 3 for o in objects)


def _asked(account: Account) -> list[str]:
    return [key for call in _field_calls(account) if isinstance(call, Simple) for key in call.values]


def test_declared_fields_are_asked_for_alongside_the_data_extensions() -> None:
    account = Account(FIELD_KEYS_PER_CALL * 2, max_concurrency=4, wait_for_fields=True)
    declared = account.keys[:-1]
    objects = DataExtensionType().read_expecting(account, {}, declared)
    assert account.overlapped  # the fields did not wait for the data extensions' answer
    assert sorted(_asked(account)) == declared  # each once, in batches; nothing asked after
    assert len(objects) == len(declared) and all(len(o.attributes["fields"]) == 3 for o in objects)


def test_the_fields_of_undeclared_data_extensions_are_read_after() -> None:
    account = Account(FIELD_KEYS_PER_CALL * 2, max_concurrency=4)
    # Declared in another case, one not in the account, and the manifest: never asked for.
    declared = [key.upper() for key in account.keys[:10]] + ["not_there", MANIFEST_KEY]
    objects = DataExtensionType().read_expecting(account, {}, declared)
    calls = _field_calls(account)
    assert all(isinstance(call, Simple) for call in calls)  # a filtered read, never every field again
    assert sorted(_asked(account)) == sorted(declared[:11] + account.keys[10:-1])
    complete = DataExtensionType().read(Account(FIELD_KEYS_PER_CALL * 2), {})
    assert [(o.key, o.attributes) for o in objects] == [(o.key, o.attributes) for o in complete]


def test_declared_keys_the_service_refuses_as_an_in_list_fall_back_to_one_retrieve() -> None:
    account = Account(FIELD_KEYS_PER_CALL * 2, refuse_in=True)
    objects = DataExtensionType().read_expecting(account, {}, account.keys[:5])
    assert _field_calls(account)[-1] is None
    assert len(objects) == FIELD_KEYS_PER_CALL * 2 and all(len(o.attributes["fields"]) == 3 for o in objects)
