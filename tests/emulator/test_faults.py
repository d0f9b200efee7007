"""Fault injection: every effect of a fault profile, played over real HTTP (and through the in-process door),
deterministic with a seed, switched on a running server through /_emulator/faults."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from mcstate.emulator.app import EmulatorApp
from mcstate.emulator.faults import ProfileError, load_profile, parse_profile, with_options
from mcstate.emulator.inprocess import InProcessAdapter
from tests.conftest import start_emulator
from tests.emulator.conftest import NS, TNS, Client, data_extension
from tests.emulator.test_rest import EXTRACTS, extract_body, rest

RETRIEVE_DE = (
    f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest><ObjectType>DataExtension</ObjectType>'
    "<Properties>CustomerKey</Properties></RetrieveRequest></RetrieveRequestMsg>"
)


@pytest.fixture
def faulty(client: Client) -> Iterator[Client]:
    """A client of a fresh account; whatever profile the test sets is switched off afterwards."""
    yield client
    assert client.admin("DELETE", "faults").status_code == 200


def set_faults(client: Client, profile: dict[str, Any]) -> dict[str, Any]:
    response = client.admin("PUT", "faults", profile)
    assert response.status_code == 200, response.text
    return dict(response.json())


def fired(client: Client) -> list[dict[str, Any]]:
    return list(client.admin("GET", "faults").json()["fired"])


def keys(client: Client) -> list[str]:
    return sorted(o["CustomerKey"] for o in client.retrieve("DataExtension", ["CustomerKey"]).objects())


def create_call(client: Client, *objects: dict[str, Any]) -> requests.Response:
    from tests.emulator.conftest import to_xml

    inner = "<Options/>" + "".join(to_xml("Objects", item) for item in objects)
    return client.post("Create", f'<CreateRequest xmlns="{TNS}">{inner}</CreateRequest>')


def fault_of(response: requests.Response) -> tuple[str, str, str | None]:
    root = etree.fromstring(response.content)
    fault = root.find("soap:Body/soap:Fault", NS)
    assert fault is not None, response.text
    code = fault.findtext("detail/{urn:fault.partner.exacttarget.com}apifault/{*}Code")
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or "", code


# -- effects ----------------------------------------------------------------------------------------------


def test_server_fault_is_a_500_soap_server_fault_and_does_nothing(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "Create", "nth": 1, "effect": "server_fault"}]})
    response = create_call(faulty, data_extension("first"))
    assert response.status_code == 500
    code, message, detail = fault_of(response)
    assert code == "soap:Server" and detail == "13"
    assert "cannot be completed at this time" in message
    assert keys(faulty) == []
    # The rule fires on the first matching call only.
    assert faulty.create(data_extension("first")).only().ok
    assert keys(faulty) == ["first"]
    assert [(f["effect"], f["operation"], f["call"]) for f in fired(faulty)] == [
        ("server_fault", "Create", 1)
    ]


def test_rate_limited_writes_fail_every_object_with_code_17_and_write_nothing(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "write", "effect": "rate_limited", "times": 1}]})
    reply = faulty.create(data_extension("a"), data_extension("b"))
    assert reply.overall == "Error"
    assert [(r.ok, r.code) for r in reply.results] == [(False, 17), (False, 17)]
    assert "rate limited" in reply.results[0].message
    assert keys(faulty) == []
    assert faulty.create(data_extension("a")).only().ok


def test_partial_batches_keep_the_objects_that_succeed(faulty: Client) -> None:
    set_faults(faulty, {"seed": 3, "rules": [{"operation": "Create", "effect": "partial", "fail_rate": 0.5}]})
    names = ["p1", "p2", "p3", "p4", "p5", "p6"]
    reply = faulty.create(*(data_extension(name) for name in names))
    outcomes = {name: result for name, result in zip(names, reply.results, strict=True)}
    failed = sorted(name for name, result in outcomes.items() if not result.ok)
    assert failed and len(failed) < len(names)
    assert reply.overall == "Has Errors"
    assert all(
        outcomes[name].code == 2 and "Exception occurred during [Create]" in outcomes[name].message
        for name in failed
    )
    assert keys(faulty) == sorted(set(names) - set(failed))


def test_reset_before_the_write_leaves_nothing_written(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "Create", "nth": 1, "effect": "reset_before"}]})
    faulty.admin("DELETE", "requests")
    with pytest.raises(requests.ConnectionError):
        create_call(faulty, data_extension("lost"))
    assert keys(faulty) == []
    logged = faulty.admin("GET", "requests").json()
    assert next((e["operation"], e["status"], e["object_types"]) for e in logged) == (
        "Create",
        0,
        ["DataExtension"],
    )


def test_reset_after_the_write_commits_it_but_the_client_never_hears(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "Create", "nth": 1, "effect": "reset_after"}]})
    faulty.admin("DELETE", "requests")
    with pytest.raises(requests.ConnectionError):
        create_call(faulty, data_extension("committed"))
    assert keys(faulty) == ["committed"]
    first = faulty.admin("GET", "requests").json()[0]
    assert (first["operation"], first["status"]) == ("Create", 200)


def test_reset_after_a_retrieve_page(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "Retrieve", "nth": 1, "effect": "reset_after"}]})
    with pytest.raises(requests.ConnectionError):
        faulty.post("Retrieve", RETRIEVE_DE)
    assert faulty.post("Retrieve", RETRIEVE_DE).status_code == 200


def test_delay_answers_normally_and_is_listed(faulty: Client) -> None:
    set_faults(
        faulty, {"latency_ms": 1, "rules": [{"operation": "Retrieve", "effect": "delay", "delay_ms": 5}]}
    )
    assert faulty.post("Retrieve", RETRIEVE_DE).status_code == 200
    assert [f["effect"] for f in fired(faulty)] == ["delay"]


def test_token_expiry_is_the_security_fault(faulty: Client) -> None:
    set_faults(
        faulty,
        {
            "rules": [
                {"operation": "Retrieve", "nth": 1, "effect": "token_expired"},
                {"operation": "Retrieve", "nth": 2, "effect": "token_expired", "message": "Login failed"},
            ]
        },
    )
    for expected in ("Token Expired", "Login failed"):
        response = faulty.post("Retrieve", RETRIEVE_DE)
        assert response.status_code == 500
        code, message, detail = fault_of(response)
        assert (code, message, detail) == ("q0:Security", expected, None)
    assert faulty.post("Retrieve", RETRIEVE_DE).status_code == 200


def test_rest_faults(faulty: Client) -> None:
    assert faulty.create(data_extension("nto_customers")).only().ok
    set_faults(
        faulty,
        {
            "rules": [
                {"operation": "POST", "object_type": "dataextracts", "nth": 1, "effect": "server_fault"},
                {"operation": "POST", "object_type": "dataextracts", "nth": 2, "effect": "rate_limited"},
                {"operation": "POST", "object_type": "dataextracts", "nth": 3, "effect": "token_expired"},
                {"operation": "POST", "object_type": "dataextracts", "nth": 4, "effect": "reset_after"},
            ]
        },
    )
    assert rest(faulty, "POST", EXTRACTS, extract_body()).status_code == 500
    limited = rest(faulty, "POST", EXTRACTS, extract_body())
    assert limited.status_code == 429 and limited.json()["errorcode"] == 17
    assert rest(faulty, "POST", EXTRACTS, extract_body()).status_code == 401
    assert rest(faulty, "GET", EXTRACTS).json()["count"] == 0
    with pytest.raises(requests.ConnectionError):
        rest(faulty, "POST", EXTRACTS, extract_body())
    assert [item["key"] for item in rest(faulty, "GET", EXTRACTS).json()["items"]] == ["nto_export"]


def test_token_endpoint_faults(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "Token", "nth": [1], "effect": "server_fault"}]})
    answer = faulty.http.post(
        faulty.base_url + "v2/token",
        json={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
    )
    assert answer.status_code == 500
    assert faulty.new_token()


def test_object_type_and_times_select_the_calls(faulty: Client) -> None:
    set_faults(
        faulty,
        {
            "rules": [
                {"operation": "Create", "object_type": "DataFolder", "effect": "server_fault", "times": 1}
            ]
        },
    )
    assert faulty.create(data_extension("not_a_folder")).only().ok
    folder = {
        "@type": "DataFolder",
        "ParentFolder": {"ID": 2},
        "Name": "f",
        "Description": "",
        "ContentType": "dataextension",
    }
    assert create_call(faulty, folder).status_code == 500
    assert create_call(faulty, folder).status_code == 200
    assert len(fired(faulty)) == 1


def test_the_same_seed_plays_the_same_faults(faulty: Client) -> None:
    def played(seed: int) -> list[int]:
        set_faults(
            faulty,
            {"seed": seed, "rules": [{"operation": "Retrieve", "rate": 0.5, "effect": "server_fault"}]},
        )
        return [faulty.post("Retrieve", RETRIEVE_DE).status_code for _ in range(24)]

    first = played(11)
    assert 200 in first and 500 in first
    assert played(11) == first
    assert played(12) != first


def test_mixed_effects_are_drawn_among_those_that_suit_the_call(faulty: Client) -> None:
    profile = with_options(parse_profile(None), fault_rate=1.0, seed=5)
    set_faults(faulty, profile.to_json())
    for _ in range(12):
        with contextlib.suppress(requests.ConnectionError):
            faulty.post("Retrieve", RETRIEVE_DE)
    effects = {f["effect"] for f in fired(faulty)}
    # A Retrieve is never a partial batch nor rate limited (those are answers to writes).
    assert effects and effects <= {"server_fault", "reset_before", "reset_after", "token_expired"}


def test_faults_switch_off(faulty: Client) -> None:
    set_faults(faulty, {"rules": [{"operation": "*", "effect": "server_fault"}]})
    assert faulty.post("Retrieve", RETRIEVE_DE).status_code == 500
    state = faulty.admin("DELETE", "faults").json()
    assert state == {"profile": {"seed": 0, "latency_ms": 0, "rules": []}, "fired": []}
    assert faulty.post("Retrieve", RETRIEVE_DE).status_code == 200


def test_a_bad_profile_is_refused_with_where_and_why(faulty: Client) -> None:
    response = faulty.admin("PUT", "faults", {"rules": [{"operation": "Create", "effect": "explode"}]})
    assert response.status_code == 400
    assert response.json()["error"] == (
        "profile: rules[0].effect: unknown effect 'explode' (effects: server_fault, rate_limited, partial, "
        "reset_before, reset_after, delay, token_expired)"
    )


# -- profiles -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "p: expected a mapping with seed, latency_ms and rules"),
        ({"rule": []}, "p: rule: unknown setting (settings: latency_ms, rules, seed)"),
        ({"seed": "x"}, "p: seed: expected a whole number"),
        ({"latency_ms": -1}, "p: latency_ms: expected a whole number of at least 0"),
        ({"rules": {}}, "p: rules: expected a list of rules"),
        ({"rules": [{"effect": "delay", "rate": 2}]}, "p: rules[0].rate: expected a number from 0 to 1"),
        ({"rules": [{"effect": "delay", "rate": 0.1, "nth": 1}]}, "p: rules[0]: give rate or nth, not both"),
        ({"rules": [{"effect": "delay", "nth": 0}]},
         "p: rules[0].nth: expected a whole number of at least 1"),
        ({"rules": [{"operation": "Create"}]}, "p: rules[0].effect: required (effects: server_fault, "
         "rate_limited, partial, reset_before, reset_after, delay, token_expired)"),
        ({"rules": [{"effect": "token_expired", "message": "no"}]},
         "p: rules[0].message: expected one of: Token Expired, Login failed"),
        ({"rules": [{"effect": "partial", "when": 1}]},
         "p: rules[0].when: unknown setting (settings: delay_ms, effect, fail_rate, message, nth, "
         "object_type, operation, rate, times)"),
    ],
)  # fmt: skip
def test_profile_mistakes(data: Any, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        parse_profile(data, "p")
    assert str(raised.value) == message


def test_profile_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(
        "seed: 4\nlatency_ms: 20\nrules:\n"
        "  - operation: [Create, Update]\n    object_type: DataExtension\n    rate: 0.25\n"
        "    effect: [reset_after, partial]\n    fail_rate: 0.3\n"
        "  - operation: GET\n    nth: [2, 5]\n    times: 1\n    effect: delay\n    delay_ms: 100\n",
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.to_json() == {
        "seed": 4,
        "latency_ms": 20,
        "rules": [
            {
                "operation": ["Create", "Update"],
                "effect": ["reset_after", "partial"],
                "object_type": ["DataExtension"],
                "rate": 0.25,
                "fail_rate": 0.3,
            },
            {"operation": ["GET"], "effect": ["delay"], "nth": [2, 5], "times": 1, "delay_ms": 100},
        ],
    }
    assert parse_profile(profile.to_json()) == profile
    with pytest.raises(ProfileError, match="invalid YAML"):
        path.write_text("rules: [", encoding="utf-8")
        load_profile(path)


# -- the in-process door and the command line ----------------------------------------------------------------


def test_in_process_resets_are_connection_errors(tmp_path: Path) -> None:
    app = EmulatorApp(
        tmp_path / "door.db",
        faults=parse_profile({"rules": [{"operation": "Token", "nth": 1, "effect": "reset_after"}]}),
    )
    session = requests.Session()
    session.mount("http://door/", InProcessAdapter(app))
    body = {"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}
    with pytest.raises(requests.ConnectionError):
        session.post("http://door/v2/token", json=body)
    assert session.post("http://door/v2/token", json=body).status_code == 200
    app.close()


def test_serve_takes_a_profile_and_shorthands(tmp_path: Path) -> None:
    profile = tmp_path / "faults.yaml"
    profile.write_text(
        "rules:\n  - operation: Create\n    nth: 1\n    effect: reset_after\n", encoding="utf-8"
    )
    server = start_emulator(
        tmp_path / "cli.db",
        "--faults",
        str(profile),
        "--fault-rate",
        "0.2",
        "--fault-seed",
        "9",
        "--latency-ms",
        "3",
    )
    try:
        state = server.admin("GET", "_emulator/faults")
        assert state["profile"]["seed"] == 9 and state["profile"]["latency_ms"] == 3
        assert [rule["effect"] for rule in state["profile"]["rules"]] == [
            ["reset_after"],
            ["server_fault", "rate_limited", "partial", "reset_before", "reset_after", "token_expired"],
        ]
        assert state["profile"]["rules"][1]["rate"] == 0.2
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


def test_serve_refuses_a_bad_profile(tmp_path: Path) -> None:
    profile = tmp_path / "faults.yaml"
    profile.write_text("rules:\n  - effect: nope\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "emulator", "serve", "--port", "0", "--db", str(tmp_path / "x.db"),
         "--faults", str(profile)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {profile}: rules[0].effect: unknown effect 'nope'")
    assert "Traceback" not in result.stderr
