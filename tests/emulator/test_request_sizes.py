"""The request log records the size of every request and answer body: the benchmark's bytes on the wire."""

from __future__ import annotations

import requests

from tests.emulator.conftest import Client, data_extension


def test_request_log_records_body_sizes(client: Client) -> None:
    client.create(data_extension("sized"))
    client.retrieve("DataExtension", ["Name", "CustomerKey"])
    create, retrieve = client.admin("GET", "requests").json()
    assert create["operation"] == "Create" and retrieve["operation"] == "Retrieve"
    for entry in (create, retrieve):
        assert entry["request_bytes"] > 0 and entry["response_bytes"] > 0
    # A Create carries the whole object; a Retrieve asks for two properties but answers with the object.
    assert create["request_bytes"] > retrieve["request_bytes"]


def test_sizes_are_the_bodies_on_the_wire(client: Client) -> None:
    body = b'{"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"}'
    response = requests.post(
        client.base_url + "v2/token", data=body, headers={"Content-Type": "application/json"}, timeout=10
    )
    (entry,) = client.admin("GET", "requests").json()
    assert entry["operation"] == "/v2/token"
    assert entry["request_bytes"] == len(body) and entry["response_bytes"] == len(response.content)
