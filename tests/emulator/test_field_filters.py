"""Retrieving the fields of chosen data extensions: DataExtension.CustomerKey equals/IN (alone, in ORs and
ANDs) answers exactly what filtering every field would, pages included; an IN list that is too long is
refused with the service's truncation error."""

from __future__ import annotations

from typing import Any

from mcstate.emulator import rules
from tests.emulator.conftest import Client, data_extension, field, simple

PROPERTIES = ["ObjectID", "Name", "Ordinal", "DataExtension.CustomerKey"]


def _account(client: Client, count: int = 6, fields: int = 5) -> None:
    client.create(
        *(
            data_extension(f"de_{number}", *(field(f"F{position}") for position in range(fields)))
            for number in range(count)
        )
    )


def _all_pages(
    client: Client, filter: dict[str, Any] | None, batch_size: int | None = None
) -> list[dict[str, Any]]:
    reply = client.retrieve("DataExtensionField", PROPERTIES, filter, batch_size=batch_size)
    objects = reply.objects()
    while reply.overall == rules.MORE_DATA_AVAILABLE:
        reply = client.retrieve("DataExtensionField", continue_request=reply.request_id)
        objects += reply.objects()
    assert reply.overall == rules.OVERALL_OK, reply.overall
    return objects


def _of(objects: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    wanted = {key.casefold() for key in keys}
    return [o for o in objects if o["DataExtension"]["CustomerKey"].casefold() in wanted]


def test_in_filter_gives_the_fields_of_the_named_data_extensions(client: Client) -> None:
    _account(client)
    everything = _all_pages(client, None)
    chosen = _all_pages(client, simple("DataExtension.CustomerKey", "IN", "de_1", "DE_3", "missing"))
    assert chosen == _of(everything, "de_1", "de_3") and len(chosen) == 10


def test_in_filter_pages_like_any_retrieve(client: Client) -> None:
    _account(client)
    everything = _all_pages(client, None)
    paged = _all_pages(
        client, simple("DataExtension.CustomerKey", "IN", "de_0", "de_2", "de_4"), batch_size=4
    )
    assert paged == _of(everything, "de_0", "de_2", "de_4") and len(paged) == 15


def test_equals_in_or_and_and(client: Client) -> None:
    _account(client)
    everything = _all_pages(client, None)
    either = {
        "@type": "ComplexFilterPart",
        "LeftOperand": simple("DataExtension.CustomerKey", "equals", "de_2"),
        "LogicalOperator": "OR",
        "RightOperand": simple("DataExtension.CustomerKey", "equals", "de_5"),
    }
    assert _all_pages(client, either) == _of(everything, "de_2", "de_5")
    both = {
        "@type": "ComplexFilterPart",
        "LeftOperand": simple("DataExtension.CustomerKey", "IN", "de_2", "de_5"),
        "LogicalOperator": "AND",
        "RightOperand": simple("Name", "equals", "F1"),
    }
    assert _all_pages(client, both) == [o for o in _of(everything, "de_2", "de_5") if o["Name"] == "F1"]
    mixed = {**either, "RightOperand": simple("Name", "equals", "F1")}
    assert _all_pages(client, mixed) == [
        o for o in everything if o["DataExtension"]["CustomerKey"] == "de_2" or o["Name"] == "F1"
    ]


def test_too_long_an_in_list_is_refused(client: Client) -> None:
    _account(client, count=1)
    keys = [f"key_{number:06d}" for number in range(rules.FILTER_VALUES_MAX_CHARACTERS // 10 + 1)]
    assert len(",".join(keys)) > rules.FILTER_VALUES_MAX_CHARACTERS
    reply = client.retrieve(
        "DataExtensionField", PROPERTIES, simple("DataExtension.CustomerKey", "IN", *keys)
    )
    assert reply.overall == rules.FILTER_VALUES_TOO_LONG and reply.results == []
    fitting = keys[: rules.FILTER_VALUES_MAX_CHARACTERS // 11]
    reply = client.retrieve(
        "DataExtensionField", PROPERTIES, simple("DataExtension.CustomerKey", "IN", *fitting)
    )
    assert reply.overall == rules.OVERALL_OK
