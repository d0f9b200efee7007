"""An enterprise over raw SOAP: a parent and two child business units, each with its own objects; the token's
account_id selects one; QueryAllAccounts and ClientIDs reach the others as the service documents; a child's
query reads the parent's shared data extensions with ENT."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mcstate.emulator import rules
from mcstate.emulator.enterprise import make_children
from mcstate.emulator.generate import seed_account
from mcstate.emulator.server import EmulatorServer
from mcstate.emulator.store import Store
from tests.emulator.conftest import TNS, Client, data_extension, field, serve, simple, to_xml
from tests.emulator.test_query_run import start, status
from tests.emulator.test_querydefinition import query

PARENT = rules.ACCOUNT_MID
FIRST, SECOND = rules.child_mid(1), rules.child_mid(2)


class UnitClient(Client):
    """A raw SOAP client whose token is for one business unit (None: no account_id)."""

    def __init__(self, base_url: str, account_id: Any) -> None:
        self.account_id = account_id
        super().__init__(base_url)

    def new_token(self, client_id: str = "id", client_secret: str = "secret") -> str:
        body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        if self.account_id is not None:
            body["account_id"] = self.account_id
        response = self.http.post(self.base_url + "v2/token", json=body)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def retrieve_in(
        self,
        object_type: str,
        properties: list[str],
        filter: dict[str, Any] | None = None,
        *,
        query_all: bool = False,
        client_ids: tuple[int, ...] = (),
        batch_size: int | None = None,
        options_client: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every result over all pages, as plain values."""
        request: dict[str, Any] = {
            "ClientIDs": [{"ID": mid} for mid in client_ids] or None,
            "ObjectType": object_type,
            "Properties": properties,
            "Filter": filter,
            "QueryAllAccounts": True if query_all else None,
            "Options": {"Client": {"ID": options_client}} if options_client else None,
        }
        if batch_size:
            request["Options"] = {**(request["Options"] or {}), "BatchSize": batch_size}
        results: list[dict[str, Any]] = []
        while True:
            body = (
                f'<RetrieveRequestMsg xmlns="{TNS}">{to_xml("RetrieveRequest", request)}</RetrieveRequestMsg>'
            )
            reply = self.call("Retrieve", body)
            assert reply.status == 200, reply.response.text
            results += reply.objects()
            if reply.overall != "MoreDataAvailable":
                assert reply.overall == "OK", reply.overall
                return results
            request = {"ObjectType": object_type, "ContinueRequest": reply.request_id}


@pytest.fixture
def enterprise(tmp_path: Path) -> Iterator[EmulatorServer]:
    database = tmp_path / "enterprise.db"
    store = Store(database)
    for child in make_children(store, 2):
        child.store.close()
    store.close()
    server, thread = serve(database, port=0)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def base_url(server: EmulatorServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def unit(server: EmulatorServer, account_id: Any) -> UnitClient:
    return UnitClient(base_url(server), account_id)


def keys(results: list[dict[str, Any]]) -> list[str]:
    return sorted(str(result["CustomerKey"]) for result in results)


def client_ids(results: list[dict[str, Any]]) -> dict[str, int]:
    return {str(result["CustomerKey"]): int(result["Client"]["ID"]) for result in results}


@pytest.fixture
def units(enterprise: EmulatorServer) -> dict[int, UnitClient]:
    """One client per business unit, each unit with a data extension of its own (and one key in common)."""
    clients = {
        PARENT: unit(enterprise, None),
        FIRST: unit(enterprise, FIRST),
        SECOND: unit(enterprise, str(SECOND)),
    }
    for mid, client in clients.items():
        reply = client.create(data_extension(f"own_{mid}"), data_extension("everywhere"))
        assert reply.overall == "OK", reply.results
    return clients


def test_the_token_selects_the_business_unit_and_each_sees_only_its_own(units: dict[int, UnitClient]) -> None:
    for mid, client in units.items():
        found = client.retrieve_in("DataExtension", ["CustomerKey", "Client.ID"])
        assert keys(found) == sorted([f"own_{mid}", "everywhere"])
        assert set(client_ids(found).values()) == {mid}


def test_an_account_id_that_is_no_business_unit_is_refused_as_the_service_refuses_it(
    enterprise: EmulatorServer,
) -> None:
    for account_id in (999, "100000009", "parent", True, {"mid": PARENT}):
        response = requests.post(
            base_url(enterprise) + "v2/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "a",
                "client_secret": "b",
                "account_id": account_id,
            },
            timeout=30,
        )
        assert response.status_code == 401, account_id
        assert response.json()["error"] == "invalid_client"
    for account_id in (PARENT, str(PARENT), FIRST, "", None):
        assert unit(enterprise, account_id).token


def test_query_all_accounts_reads_every_business_unit_with_its_client_id(
    units: dict[int, UnitClient],
) -> None:
    for client in (units[PARENT], units[FIRST]):
        found = client.retrieve_in("DataExtension", ["CustomerKey"], query_all=True, client_ids=(SECOND,))
        assert sorted(int(result["Client"]["ID"]) for result in found) == sorted(
            [PARENT, PARENT, FIRST, FIRST, SECOND, SECOND]
        )
        own = {key: mid for key, mid in client_ids(found).items() if key.startswith("own_")}
        assert own == {f"own_{PARENT}": PARENT, f"own_{FIRST}": FIRST, f"own_{SECOND}": SECOND}


def test_query_all_accounts_pages_through_every_business_unit(units: dict[int, UnitClient]) -> None:
    found = units[SECOND].retrieve_in("DataExtension", ["CustomerKey"], query_all=True, batch_size=1)
    pairs = sorted((str(result["CustomerKey"]), int(result["Client"]["ID"])) for result in found)
    expected = [(f"own_{mid}", mid) for mid in (PARENT, FIRST, SECOND)]
    expected += [("everywhere", mid) for mid in (PARENT, FIRST, SECOND)]
    assert pairs == sorted(expected)


def test_client_ids_reach_the_children_from_the_parent_only(units: dict[int, UnitClient]) -> None:
    from_parent = units[PARENT].retrieve_in("DataExtension", ["CustomerKey"], client_ids=(FIRST,))
    assert keys(from_parent) == sorted([f"own_{FIRST}", "everywhere"])
    both = units[PARENT].retrieve_in(
        "DataExtension", ["CustomerKey", "Client.ID"], client_ids=(PARENT, SECOND)
    )
    assert sorted(int(result["Client"]["ID"]) for result in both) == [PARENT, PARENT, SECOND, SECOND]
    assert units[FIRST].retrieve_in("DataExtension", ["CustomerKey"], client_ids=(PARENT,)) == []
    by_options = units[PARENT].retrieve_in("DataExtension", ["CustomerKey"], options_client=SECOND)
    assert keys(by_options) == sorted([f"own_{SECOND}", "everywhere"])
    assert units[FIRST].retrieve_in("DataExtension", ["CustomerKey"], client_ids=(SECOND,)) == []
    own = units[FIRST].retrieve_in("DataExtension", ["CustomerKey"], client_ids=(FIRST,))
    assert keys(own) == sorted([f"own_{FIRST}", "everywhere"])


def test_folder_ids_are_unique_and_shared_folders_are_the_parents(units: dict[int, UnitClient]) -> None:
    properties = ["ID", "Name", "ContentType", "Client.ID"]
    ids: dict[int, set[int]] = {}
    for mid, client in units.items():
        folders = client.retrieve_in(
            "DataFolder", properties, simple("ContentType", "IN", "dataextension", "shared_dataextension")
        )
        ids[mid] = {int(found["ID"]) for found in folders}
        shared = [found for found in folders if found["ContentType"] == "shared_dataextension"]
        assert bool(shared) == (mid == PARENT), "only the parent has a Shared Data Extensions folder"
    assert (
        not (ids[PARENT] & ids[FIRST]) and not (ids[FIRST] & ids[SECOND]) and not (ids[PARENT] & ids[SECOND])
    )
    seen = units[FIRST].retrieve_in(
        "DataFolder",
        properties,
        simple("ContentType", "IN", "shared_data", "shared_dataextension"),
        query_all=True,
    )
    assert seen and {int(found["Client"]["ID"]) for found in seen} == {PARENT}


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[EmulatorServer]:
    """A generated enterprise: the parent with its shared data extensions, and two children."""
    database = tmp_path / "seeded.db"
    seed_account(database, size=5, business_units=2)
    server, thread = serve(database, port=0)
    parent = unit(server, None)
    loaded = parent.http.post(
        parent.base_url + "_emulator/dataextensions/shared_preferences/rows",
        data=b"SubscriberKey,Email\ns1,a@example.com\ns2,b@example.com\n",
        headers={"Content-Type": "text/csv"},
    )
    assert loaded.status_code == 200, loaded.text
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_childs_query_reads_the_parents_shared_data_extensions_with_ent(seeded: EmulatorServer) -> None:
    child = unit(seeded, FIRST)
    target = data_extension("copy", field("Id"), field("Email", MaxLength=254), name="Copy")
    assert child.create(target).overall == "OK"
    definition = query(
        "from_shared",
        QueryText="SELECT SubscriberKey AS Id, Email FROM ENT.[Shared Preferences]",
        DataExtensionTarget={"CustomerKey": "copy", "Name": "Copy"},
    )
    created = child.create(definition)
    assert created.overall == "OK", created.results
    run = start(child, {"@type": "QueryDefinition", "ObjectID": created.only().text("NewObjectID")})
    assert run["code"] == "OK", run
    assert status(child, run["task"])["Status"] == "Complete"
    rows = child.retrieve_in("DataExtensionObject[copy]", ["Id", "Email"])
    assert len(rows) == 2
    # What the parent does not share, and a shared name without the prefix, are not the child's tables.
    for sql in (
        "SELECT Id FROM ENT.[Every Field Type]",
        "SELECT SubscriberKey AS Id FROM [Shared Preferences]",
    ):
        refused = child.create(
            query(
                f"q{abs(hash(sql))}",
                QueryText=sql,
                DataExtensionTarget={"CustomerKey": "copy", "Name": "Copy"},
            )
        )
        assert refused.overall != "OK" and "Invalid object name" in refused.only().message, sql


def test_a_child_reads_shared_fields_without_their_object_ids(seeded: EmulatorServer) -> None:
    properties = ["Name", "ObjectID", "DataExtension.CustomerKey", "Client.ID"]
    selected = simple("DataExtension.CustomerKey", "equals", "shared_preferences")
    from_child = unit(seeded, FIRST).retrieve_in("DataExtensionField", properties, selected, query_all=True)
    from_parent = unit(seeded, None).retrieve_in("DataExtensionField", properties, selected, query_all=True)
    assert sorted(found["Name"] for found in from_child) == ["Email", "SubscriberKey"]
    assert all(found.get("ObjectID") is None for found in from_child)
    assert all(found.get("ObjectID") for found in from_parent)
    assert {int(found["Client"]["ID"]) for found in from_child} == {PARENT}


def test_one_clock_for_the_enterprise_and_rows_loaded_into_a_child(units: dict[int, UnitClient]) -> None:
    child = units[SECOND]
    assert child.admin("PUT", "clock", {"now": "2026-03-01T08:00:00"}).status_code == 200
    assert child.admin("GET", "clock").json()["now"].startswith("2026-03-01T08:00")
    rows = requests.post(
        child.base_url + f"_emulator/dataextensions/own_{SECOND}/rows?mid={SECOND}",
        data=b"Id\n1\n2\n3\n",
        headers={"Content-Type": "text/csv"},
        timeout=30,
    )
    assert rows.status_code == 200, rows.text
    assert len(child.retrieve_in(f"DataExtensionObject[own_{SECOND}]", ["Id"])) == 3
    missing = requests.put(
        child.base_url + f"_emulator/dataextensions/own_{SECOND}/rows?mid=5", json={"count": 3}, timeout=30
    )
    assert missing.status_code == 404
