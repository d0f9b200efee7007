"""Calls side by side: the bound per account (max_concurrency), one token for all threads, kinds read at
once yet each seeing exactly the kinds before it, and the same plan as when read one after the other."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mcstate import engine
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.parallel import DEFAULT_MAX_CONCURRENCY, CallSlots, map_calls
from mcstate.config import MAX_CONCURRENCY, load_project
from mcstate.errors import ApiError, ConfigError
from mcstate.reading import read_kinds
from tests.conftest import Project


def config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "mcstate.yaml"
    path.write_text(
        "definitions: definitions\ndefault_target: prod\ntargets:\n  prod:\n"
        "    auth_url: https://x.auth.marketingcloudapis.com/\n"
        "    client_id: ${MC_CLIENT_ID}\n    client_secret: ${MC_CLIENT_SECRET}\n" + extra,
        encoding="utf-8",
    )
    return path


# -- configuration ------------------------------------------------------------------------------------------


def test_max_concurrency_defaults_to_eight_and_is_set_per_target(tmp_path: Path) -> None:
    assert load_project(config(tmp_path, "")).target().max_concurrency == DEFAULT_MAX_CONCURRENCY == 8
    assert load_project(config(tmp_path, "    max_concurrency: 3\n")).target().max_concurrency == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "must be at least 1, got 0"),
        ("-1", "must be at least 1, got -1"),
        ("2.5", "expected an integer, got number 2.5"),
        ("true", "expected an integer, got boolean true"),
        ("lots", "expected an integer, got string 'lots'"),
        (str(MAX_CONCURRENCY + 1), f"must be at most {MAX_CONCURRENCY}, got {MAX_CONCURRENCY + 1}"),
    ],
)
def test_max_concurrency_must_be_a_whole_number_in_range(tmp_path: Path, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_project(config(tmp_path, f"    max_concurrency: {value}\n"))
    assert str(raised.value).endswith(f"mcstate.yaml:8:22: targets.prod.max_concurrency: {expected}")


# -- the bound -----------------------------------------------------------------------------------------------


class Gauge:
    """Counts how many calls are inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.inside -= 1


def test_calls_never_exceed_the_slots() -> None:
    slots = CallSlots(3)
    gauge = Gauge()
    arrived = threading.Barrier(3, timeout=30)

    class Client:
        max_concurrency = 8  # more threads than slots

    def call(number: int) -> int:
        with slots, gauge:
            if number < 3:
                arrived.wait()  # the first three are inside together: the bound is reached
            return number

    assert map_calls(Client(), call, range(20)) == list(range(20))
    assert gauge.most == 3


def test_a_failure_is_raised_in_item_order_and_the_rest_is_dropped() -> None:
    class Client:
        max_concurrency = 2

    started: list[int] = []

    def call(number: int) -> int:
        started.append(number)
        if number in (1, 2):
            raise ApiError(f"call {number}", "refused")
        return number

    with pytest.raises(ApiError) as raised:
        map_calls(Client(), call, range(50))
    assert raised.value.call == "call 1" and len(started) < 50


def test_one_token_for_all_threads() -> None:
    fetched: list[int] = []
    release = threading.Event()

    class Session:
        def post(self, url: str, json: Any, timeout: float) -> Any:
            fetched.append(1)
            release.wait(timeout=30)
            return Response()

    class Response:
        status_code = 200
        headers: Mapping[str, str] = {}

        def json(self) -> dict[str, Any]:
            return {"access_token": f"token-{len(fetched)}", "expires_in": 1080, "soap_instance_url": "x"}

    tokens = TokenSource(Session(), "https://auth/", Credentials("id", "secret"))  # type: ignore[arg-type]
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(tokens.token().access_token)) for _ in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert fetched == [1] and got == ["token-1"] * 8
    # Threads refused the same token ask for one new token between them.
    refused = tokens.token()
    tokens.invalidate(refused)
    renewed = tokens.token()
    tokens.invalidate(refused)  # a late thread refused the old one: the new one stays
    assert tokens.token() is renewed and len(fetched) == 2


# -- kinds read side by side ---------------------------------------------------------------------------------


def test_each_kind_sees_exactly_the_kinds_before_it() -> None:
    class Client:
        max_concurrency = 8

    order = ["A", "B", "C", "D"]
    all_started = threading.Barrier(3, timeout=30)
    seen: dict[str, list[str]] = {}

    def read_kind(kind: str, before: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        if kind in ("A", "B", "D"):
            all_started.wait()  # A, B and D run at the same time: nobody waits for another's whole read
        seen[kind] = list(before)
        if kind == "C":
            assert before["A"] == {"a": "A"} and before.get("D") is None
        return {kind.lower(): kind}

    live = read_kinds(Client(), order, read_kind)
    assert live == {"A": {"a": "A"}, "B": {"b": "B"}, "C": {"c": "C"}, "D": {"d": "D"}}
    assert seen == {"A": [], "B": ["A"], "C": ["A", "B"], "D": ["A", "B", "C"]}


def test_the_first_failing_kind_in_registry_order_is_raised() -> None:
    class Client:
        max_concurrency = 8

    def read_kind(kind: str, before: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        if kind in ("B", "D"):
            raise ApiError(f"Retrieve {kind}", "refused")
        return {}

    with pytest.raises(ApiError) as raised:
        read_kinds(Client(), ["A", "B", "C", "D"], read_kind)
    assert raised.value.call == "Retrieve B"


def test_plans_are_the_same_read_side_by_side_or_one_after_the_other(project: Project) -> None:
    """The example definitions against the emulator over HTTP: the same plan, and the same live state, with
    max_concurrency 8 and 1."""
    example = Path(__file__).resolve().parent.parent / "definitions"
    for path in example.rglob("*"):
        if path.is_file():
            project.write(f"definitions/{path.relative_to(example)}", path.read_text(encoding="utf-8"))
    assert project.run("apply", "--auto-approve").returncode == 0
    project.write(
        "definitions/data_extensions/extra.yaml",
        "kind: DataExtension\nkey: extra\nname: Extra\nfields: [{name: Id, type: Text, primary_key: true}]\n",
    )
    plans = []
    for concurrency in (8, 1):
        text = (project.root / "mcstate.yaml").read_text(encoding="utf-8")
        text = text.split("    max_concurrency")[0].rstrip("\n") + f"\n    max_concurrency: {concurrency}\n"
        (project.root / "mcstate.yaml").write_text(text, encoding="utf-8")
        result = project.run("plan", "--format", "json")
        assert result.returncode == 0, result.stderr
        plans.append(result.stdout)
    assert plans[0] == plans[1] and '"extra"' in plans[0]


def test_read_live_in_process_matches_sequential(tmp_path: Path) -> None:
    """engine.read_live gives the same objects whatever the client's concurrency (embedded emulator)."""
    from mcstate.connection import connect

    project_file = tmp_path / "mcstate.yaml"
    project_file.write_text(
        "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: local.db\n",
        encoding="utf-8",
    )
    (tmp_path / "definitions").mkdir()
    project = load_project(project_file)
    client = connect(project, project.target())
    one_at_a_time = engine.read_live(client)

    class Wide:
        max_concurrency = 8

        def __getattr__(self, name: str) -> Any:
            return getattr(client, name)

    assert engine.read_live(Wide()) == one_at_a_time  # type: ignore[arg-type]
