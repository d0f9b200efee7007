"""The client survives faults: retries with backoff for transient failures, writes whose outcome is unknown
settled against a fresh read (never resent blindly), duplicate-key answers verified, expired tokens renewed.
Driven against the in-process emulator playing a fault profile (no sockets, no sleeping)."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3.exceptions

from mcstate import engine
from mcstate.applier import SETTLE_ROUNDS, apply_plan
from mcstate.client.account import AccountClient
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.rest import RestClient
from mcstate.client.retry import Retrier, RetryPolicy, never_sent
from mcstate.client.soap import SoapClient
from mcstate.config import load_project
from mcstate.emulator.app import EmulatorApp
from mcstate.emulator.faults import parse_profile
from mcstate.emulator.inprocess import InProcessAdapter
from mcstate.errors import ApiError, ConfigError, UnknownOutcome
from mcstate.resources.base import RestRequest, SoapObject

BASE = "http://faulty.mcstate/"
FAST = RetryPolicy(attempts=5, initial_delay=0.5, max_delay=8, total_seconds=120)
WRITES = {"Create", "Update", "Delete", "POST", "PATCH", "PUT", "DELETE"}


@dataclass
class Faulty:
    """A client of the in-process emulator playing a fault profile; sleeps are recorded, not slept."""

    app: EmulatorApp
    client: AccountClient
    slept: list[float]

    def faults(self, profile: dict[str, Any]) -> None:
        self.app.faults.replace(parse_profile(profile))

    def log(self) -> list[dict[str, Any]]:
        return self.app.store.requests()

    def calls(self, operation: str, object_type: str | None = None) -> int:
        return sum(
            1
            for entry in self.log()
            if entry["operation"] == operation
            and (object_type is None or any(object_type in t for t in entry["object_types"]))
        )

    def fired(self) -> list[str]:
        return [entry["effect"] for entry in self.app.faults.state()["fired"]]


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[Faulty]:
    app = EmulatorApp(tmp_path / "account.db")
    session = requests.Session()
    session.mount(BASE, InProcessAdapter(app))
    slept: list[float] = []
    retrier = Retrier(FAST, sleep=slept.append)
    tokens = TokenSource(session, BASE, Credentials("id", "secret"), retry=retrier)
    client = AccountClient(
        SoapClient(session, tokens, retry=retrier), RestClient(session, tokens, retry=retrier)
    )
    yield Faulty(app, client, slept)
    app.close()


def de(key: str, name: str | None = None) -> SoapObject:
    return SoapObject(
        "DataExtension",
        {
            "CustomerKey": key,
            "Name": name or key,
            "Fields": {
                "Field": [{"Name": "Id", "FieldType": "Text", "IsPrimaryKey": True, "IsRequired": True}]
            },
        },
    )


def de_keys(faulty: Faulty) -> list[str]:
    return sorted(row["CustomerKey"] for row in faulty.client.retrieve("DataExtension", ["CustomerKey"]))


# -- the retry policy ----------------------------------------------------------------------------------------


def test_backoff_grows_with_jitter_up_to_the_cap_and_stops_after_the_attempts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=6, initial_delay=1, max_delay=4, total_seconds=1000)
    attempts = Retrier(policy, sleep=slept.append).start("Retrieve DataExtension")
    with caplog.at_level(logging.DEBUG, logger="mcstate.client"):
        tried = [attempts.retry("server fault: busy") for _ in range(6)]
    assert tried == [True] * 5 + [False]
    for wait, full in zip(slept, [1, 2, 4, 4, 4], strict=True):
        assert full / 2 <= wait <= full
    messages = [r.getMessage() for r in caplog.records if r.name == "mcstate.client"]
    assert len(messages) == 5
    assert messages[0].startswith("Retrieve DataExtension: server fault: busy; retry 1 of 5 in ")


def test_total_time_bounds_the_retries() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    policy = RetryPolicy(attempts=20, initial_delay=1, max_delay=8, total_seconds=10)
    attempts = Retrier(policy, sleep=sleep, clock=lambda: now[0]).start("call")
    while attempts.retry("busy"):
        now[0] += 0.5  # the try itself
    assert sum(slept) + 0.5 * len(slept) <= 10
    assert len(slept) < 19


def test_a_request_that_never_left_can_be_sent_again() -> None:
    refused = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert never_sent(requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", refused)))  # type: ignore[arg-type]
    assert never_sent(requests.ConnectTimeout())
    dropped = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    assert not never_sent(requests.ConnectionError(dropped))
    assert not never_sent(requests.ReadTimeout())


# -- reads ---------------------------------------------------------------------------------------------------


def test_reads_are_tried_again_after_server_faults_resets_and_expired_tokens(faulty: Faulty) -> None:
    faulty.client.write("create", [de("a")])
    faulty.faults(
        {
            "rules": [
                {"operation": "Retrieve", "nth": 1, "effect": "server_fault"},
                {"operation": "Retrieve", "nth": 2, "effect": "reset_before"},
                {"operation": "Retrieve", "nth": 3, "effect": "reset_after"},
                {"operation": "Retrieve", "nth": 4, "effect": "token_expired"},
            ]
        }
    )
    tokens_before = faulty.calls("/v2/token")
    assert de_keys(faulty) == ["a"]
    assert faulty.fired() == ["server_fault", "reset_before", "reset_after", "token_expired"]
    assert faulty.calls("Retrieve") == 5
    # The expired token was replaced once, without counting as a retry.
    assert faulty.calls("/v2/token") == tokens_before + 1
    assert len(faulty.slept) == 3


def test_a_lost_page_restarts_the_retrieve(faulty: Faulty) -> None:
    faulty.client.write("create", [de("rows")])
    store = faulty.app.store
    table = store.data_extension_by_key("rows")
    assert table is not None
    (id_field,) = store.fields_of(table.object_id)
    with store.transaction():
        for number in range(3000):
            store.insert_row(table.object_id, str(number), {id_field.object_id: str(number)})
    faulty.faults({"rules": [{"operation": "Retrieve", "nth": 2, "effect": "reset_after"}]})
    rows = faulty.client.retrieve("DataExtensionObject[rows]", ["Id"])
    assert len(rows) == 3000
    assert len({row["Properties"]["Property"][0]["Value"] for row in rows}) == 3000
    # First page, the continuation whose answer was lost, then both pages again.
    assert faulty.calls("Retrieve") == 4


def test_a_call_that_keeps_failing_fails_after_the_attempts(faulty: Faulty) -> None:
    faulty.faults({"rules": [{"operation": "Retrieve", "effect": "server_fault"}]})
    with pytest.raises(ApiError) as raised:
        de_keys(faulty)
    assert str(raised.value).startswith("Retrieve DataExtension: 13 Synchronous request cannot be completed")
    assert faulty.calls("Retrieve") == FAST.attempts


def test_the_token_request_is_tried_again(faulty: Faulty) -> None:
    faulty.faults(
        {"rules": [{"operation": "Token", "nth": [1, 2], "effect": ["server_fault", "reset_before"]}]}
    )
    assert de_keys(faulty) == []
    assert faulty.calls("/v2/token") == 3


def test_rest_reads_and_token_expiry(faulty: Faulty) -> None:
    faulty.faults(
        {
            "rules": [
                {"operation": "GET", "nth": 1, "effect": "server_fault"},
                {"operation": "GET", "nth": 2, "effect": "token_expired"},
                {"operation": "GET", "nth": 3, "effect": "reset_after"},
            ]
        }
    )
    assert faulty.client.rest_items("automation/v1/dataextracts") == []
    assert faulty.calls("GET") == 4


# -- writes --------------------------------------------------------------------------------------------------


def test_a_write_refused_with_a_server_fault_is_sent_again(faulty: Faulty) -> None:
    faulty.faults({"rules": [{"operation": "Create", "nth": 1, "effect": "server_fault"}]})
    (result,) = faulty.client.write("create", [de("a")])
    assert result.ok
    assert faulty.calls("Create") == 2 and de_keys(faulty) == ["a"]


def test_rate_limited_objects_alone_are_sent_again(faulty: Faulty) -> None:
    faulty.faults({"rules": [{"operation": "Create", "nth": 1, "effect": "rate_limited"}]})
    results = faulty.client.write("create", [de("a"), de("b")])
    assert [r.ok for r in results] == [True, True]
    assert faulty.calls("Create") == 2 and de_keys(faulty) == ["a", "b"]


def test_a_partial_batch_is_not_sent_again(faulty: Faulty) -> None:
    faulty.faults(
        {"seed": 1, "rules": [{"operation": "Create", "nth": 1, "effect": "partial", "fail_rate": 0.5}]}
    )
    results = faulty.client.write("create", [de(f"k{i}") for i in range(6)])
    failed = [f"k{i}" for i, r in enumerate(results) if not r.ok]
    assert failed and all(r.code == 2 for r in results if not r.ok)
    assert faulty.calls("Create") == 1
    assert de_keys(faulty) == sorted({f"k{i}" for i in range(6)} - set(failed))


@pytest.mark.parametrize("effect", ["reset_before", "reset_after"])
def test_a_write_whose_answer_is_lost_is_not_sent_again(faulty: Faulty, effect: str) -> None:
    faulty.faults({"rules": [{"operation": "Create", "nth": 1, "effect": effect}]})
    with pytest.raises(UnknownOutcome) as raised:
        faulty.client.write("create", [de("a")])
    assert "whether the service carried it out is unknown" in str(raised.value)
    assert faulty.calls("Create") == 1
    assert de_keys(faulty) == ([] if effect == "reset_before" else ["a"])


def test_results_of_earlier_calls_of_a_write_are_kept_with_an_unknown_outcome(faulty: Faulty) -> None:
    faulty.faults({"rules": [{"operation": "Create", "nth": 2, "effect": "reset_after"}]})
    with pytest.raises(UnknownOutcome) as raised:
        faulty.client.write("create", [de(f"k{i:02}") for i in range(60)])
    assert len(raised.value.done) == 50 and all(r.ok for r in raised.value.done)


def test_an_upsert_is_simply_sent_again(faulty: Faulty) -> None:
    faulty.client.write("create", [de("rows")])
    faulty.faults({"rules": [{"operation": "Update", "nth": 1, "effect": "reset_after"}]})
    row = SoapObject(
        "DataExtensionObject",
        {"CustomerKey": "rows", "Properties": {"Property": [{"Name": "Id", "Value": "1"}]}},
    )
    (result,) = faulty.client.soap.write("update", [row], upsert=True)
    assert result.ok and faulty.calls("Update") == 2


def test_rest_writes(faulty: Faulty) -> None:
    faulty.faults(
        {
            "rules": [
                {"operation": "POST", "nth": 1, "effect": "rate_limited"},
                {"operation": "POST", "nth": 2, "effect": "reset_after"},
            ]
        }
    )
    faulty.client.write("create", [de("nto_customers")])
    extract_type = faulty.client.rest_get("automation/v1/dataextracttypes")[0]["extractId"]
    body = {
        "name": "x",
        "key": "x",
        "dataExtractTypeId": extract_type,
        "fileSpec": "x.csv",
        "dataFields": [{"name": "DECustomerKey", "type": "string", "value": "nto_customers"}],
    }
    with pytest.raises(UnknownOutcome):
        faulty.client.send(RestRequest("POST", "automation/v1/dataextracts", body))
    # The 429 was tried again; the reset after the write was not.
    assert faulty.calls("POST") == 2
    assert [item["key"] for item in faulty.client.rest_items("automation/v1/dataextracts")] == ["x"]


# -- apply: unknown outcomes settled against a fresh read ----------------------------------------------------

DEFINITIONS = {
    "folders.yaml": """\
        kind: Folder
        path: Data Extensions/CRM
        description: synced
        """,
    "customers.yaml": """\
        kind: DataExtension
        key: customers
        name: Customers
        folder: Data Extensions/CRM
        fields:
          - {name: Id, type: Text, length: 50, primary_key: true}
        """,
    "orders.yaml": """\
        kind: DataExtension
        key: orders
        name: Orders
        folder: Data Extensions/CRM
        fields:
          - {name: Id, type: Text, length: 50, primary_key: true}
        """,
    "extract.yaml": """\
        kind: DataExtract
        key: customers_export
        name: Customers export
        data_extension: customers
        file_spec: customers.csv
        """,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "definitions").mkdir(parents=True)
    (root / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: unused.db\n", encoding="utf-8")
    for name, text in DEFINITIONS.items():
        (root / "definitions" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def apply(project: Path, faulty: Faulty) -> engine.ApplyOutcome:
    desired = engine.load_desired(load_project(project / "mcstate.yaml"))
    planned = engine.plan(desired, faulty.client, "local")
    return engine.apply(planned, desired, faulty.client, allow_destructive=False)


def converged(project: Path, faulty: Faulty) -> bool:
    desired = engine.load_desired(load_project(project / "mcstate.yaml"))
    return engine.plan(desired, faulty.client, "local").empty


def test_a_create_committed_without_an_answer_is_not_sent_again(project: Path, faulty: Faulty) -> None:
    faulty.faults(
        {
            "rules": [
                {"operation": "Create", "object_type": "DataExtension", "nth": 1, "effect": "reset_after"}
            ]
        }
    )
    outcome = apply(project, faulty)
    assert outcome.report.ok and not outcome.mismatches, outcome.report.failures
    # One for both data extensions, one for the manifest (mcstate.manifest): none sent again.
    assert faulty.calls("Create", "DataExtension") == 2
    assert de_keys(faulty) == ["customers", "mcstate_managed_objects", "orders"]
    assert converged(project, faulty)


def test_a_create_lost_before_the_service_is_sent_once_more(project: Path, faulty: Faulty) -> None:
    faulty.faults(
        {"rules": [{"operation": "Create", "object_type": "DataFolder", "nth": 1, "effect": "reset_before"}]}
    )
    outcome = apply(project, faulty)
    assert outcome.report.ok, outcome.report.failures
    assert faulty.calls("Create", "DataFolder") == 2
    folders = faulty.client.retrieve("DataFolder", ["Name"])
    assert [f["Name"] for f in folders].count("CRM") == 1
    assert converged(project, faulty)


def test_a_rest_create_committed_without_an_answer_is_not_sent_again(project: Path, faulty: Faulty) -> None:
    faulty.faults({"rules": [{"operation": "POST", "nth": 1, "effect": "reset_after"}]})
    outcome = apply(project, faulty)
    assert outcome.report.ok, outcome.report.failures
    assert faulty.calls("POST") == 1
    assert len(faulty.client.rest_items("automation/v1/dataextracts")) == 1
    assert converged(project, faulty)


def test_an_outcome_that_stays_unknown_is_reported(project: Path, faulty: Faulty) -> None:
    faulty.faults(
        {"rules": [{"operation": "Create", "object_type": "DataExtension", "effect": "reset_before"}]}
    )
    outcome = apply(project, faulty)
    assert sorted(str(f).split(": ")[:2] for f in outcome.report.failures) == [
        ["DataExtension customers", "Create DataExtension"],
        ["DataExtension orders", "Create DataExtension"],
    ]
    assert "whether the service carried it out is unknown" in str(outcome.report.failures[0])
    assert [c.kind for c in outcome.report.skipped] == ["DataExtract"]
    # One call, then one per fresh read; and the manifest's, whose outcome is unknown too.
    assert faulty.calls("Create", "DataExtension") == 1 + SETTLE_ROUNDS + 1
    assert outcome.record_error is not None


def test_without_a_fresh_read_an_unknown_outcome_is_a_failure(project: Path, faulty: Faulty) -> None:
    desired = engine.load_desired(load_project(project / "mcstate.yaml"))
    planned = engine.plan(desired, faulty.client, "local")
    faulty.faults(
        {"rules": [{"operation": "Create", "object_type": "DataFolder", "nth": 1, "effect": "reset_after"}]}
    )
    report = apply_plan(planned, faulty.client)
    assert len(report.failures) == 1 and "unknown" in str(report.failures[0])
    assert faulty.calls("Create", "DataFolder") == 1


def test_a_duplicate_key_is_success_once_the_object_is_there_as_defined(
    project: Path, faulty: Faulty
) -> None:
    desired = engine.load_desired(load_project(project / "mcstate.yaml"))
    planned = engine.plan(desired, faulty.client, "local")
    # Someone (an earlier apply whose answer was lost) created the folder and one data extension meanwhile.
    apply_plan(engine.plan(desired, faulty.client, "local"), faulty.client)
    before = len([e for e in faulty.log() if e["operation"] in WRITES])
    outcome = engine.apply(planned, desired, faulty.client, allow_destructive=False)
    assert outcome.report.ok and not outcome.mismatches, outcome.report.failures
    writes = [e for e in faulty.log()[before:] if e["operation"] in WRITES]
    # The creates were refused as duplicates and nothing else was written for them.
    assert all(e["operation"] in ("Create", "POST", "Update") for e in writes)
    assert de_keys(faulty) == ["customers", "mcstate_managed_objects", "orders"]
    assert len(faulty.client.rest_items("automation/v1/dataextracts")) == 1


def test_a_duplicate_that_is_another_object_stays_a_failure(project: Path, faulty: Faulty) -> None:
    desired = engine.load_desired(load_project(project / "mcstate.yaml"))
    planned = engine.plan(desired, faulty.client, "local")
    faulty.client.write("create", [de("someone_else", name="Orders")])
    report = apply_plan(planned, faulty.client, replan=engine.replanner(desired, faulty.client, "local"))
    (failure,) = report.failures
    # The fresh read finds the name taken by another data extension: the refusal stands, nothing is resent.
    assert str(failure).startswith("DataExtension orders: ")
    assert "already exists" in str(failure)
    assert "is already used in the account by 'someone_else'" in str(failure)
    assert faulty.calls("Create", "DataExtension") == 2  # the first create, and the batch with orders


# -- configuration -------------------------------------------------------------------------------------------


def config(tmp_path: Path, retries: str) -> Path:
    path = tmp_path / "mcstate.yaml"
    path.write_text(
        "targets:\n  prod:\n    auth_url: https://x.example/\n    client_id: ${A}\n    client_secret: ${B}\n"
        + textwrap.indent(textwrap.dedent(retries), "    "),
        encoding="utf-8",
    )
    return path


def test_retries_are_set_per_target(tmp_path: Path) -> None:
    target = load_project(
        config(tmp_path, "retries: {attempts: 3, max_delay: 2, total_seconds: 30}\n")
    ).target()
    assert target.retries == RetryPolicy(attempts=3, initial_delay=0.5, max_delay=2, total_seconds=30)
    (tmp_path / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: x.db\n", encoding="utf-8")
    plain = load_project(config(tmp_path, "")).target()
    assert plain.retries == RetryPolicy()


@pytest.mark.parametrize(
    ("retries", "message"),
    [
        ("retries: 3\n", "mcstate.yaml:6:14: targets.prod.retries: expected a mapping, got integer 3"),
        ("retries:\n  tries: 3\n", "mcstate.yaml:7:7: targets.prod.retries.tries: unknown attribute 'tries'; "
         "allowed: attempts, initial_delay, max_delay, timeout, total_seconds"),
        ("retries:\n  attempts: 0\n",
         "mcstate.yaml:7:17: targets.prod.retries.attempts: must be at least 1, got 0"),
        ("retries:\n  initial_delay: soon\n",
         "mcstate.yaml:7:22: targets.prod.retries.initial_delay: expected a number, got string 'soon'"),
        ("retries:\n  timeout: 0\n",
         "mcstate.yaml:7:16: targets.prod.retries.timeout: must be greater than 0, got 0"),
        ("retries:\n  initial_delay: 4\n  max_delay: 1\n",
         "mcstate.yaml:8:7: targets.prod.retries.max_delay: max_delay (1) must not be below initial_delay "
         "(4)"),
    ],
)  # fmt: skip
def test_retry_settings_are_checked(tmp_path: Path, retries: str, message: str, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as raised:
        load_project(config(tmp_path, retries))
    assert str(raised.value) == message


# -- timeouts and refused connections (no emulator fault can time out an in-process call) -------------------


class Failing(InProcessAdapter):
    """Raises `errors` (one per request, in order) for SOAP requests, then answers normally."""

    def __init__(self, app: EmulatorApp, errors: list[Exception]) -> None:
        super().__init__(app)
        self.errors = errors

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.errors and str(request.url).endswith("Service.asmx"):
            raise self.errors.pop(0)
        return super().send(request, *args, **kwargs)


def client_with(app: EmulatorApp, errors: list[Exception]) -> AccountClient:
    session = requests.Session()
    session.mount(BASE, Failing(app, errors))
    retrier = Retrier(FAST, sleep=lambda seconds: None)
    tokens = TokenSource(session, BASE, Credentials("id", "secret"), retry=retrier)
    return AccountClient(
        SoapClient(session, tokens, retry=retrier), RestClient(session, tokens, retry=retrier)
    )


def refused() -> requests.ConnectionError:
    cause = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", cause))  # type: ignore[arg-type]


def test_timeouts_are_tried_again_for_reads_and_unknown_for_writes(faulty: Faulty) -> None:
    client = client_with(faulty.app, [requests.ReadTimeout(), requests.ReadTimeout()])
    assert client.retrieve("DataExtension", ["CustomerKey"]) == []
    timed_out = client_with(faulty.app, [requests.ReadTimeout()])
    with pytest.raises(UnknownOutcome) as raised:
        timed_out.write("create", [de("a")])
    assert "no answer in time" in str(raised.value)


def test_a_write_whose_connection_was_refused_is_sent_again(faulty: Faulty) -> None:
    client = client_with(faulty.app, [refused(), refused()])
    (result,) = client.write("create", [de("a")])
    assert result.ok and de_keys(faulty) == ["a"]
