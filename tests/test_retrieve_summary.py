"""What retrieve shows besides the files: the progress bar (a terminal only) and the counts per kind."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from mcstate.render.progress import ReadProgress
from mcstate.render.retrieve_view import cannot_manage_lines, counts, summary_table
from mcstate.retrieve import RetrieveResult, SkippedObject, UnrepresentableObject, WrittenObject


class Recording:
    """A client that answers every read with two rows."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def retrieve(self, object_type: str, properties: Any, filter: Any = None) -> list[dict[str, Any]]:
        self.calls.append(object_type)
        return [{}, {}]

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        self.calls.append(path)
        return [{}, {}]

    def rest_get(self, path: str) -> Any:
        self.calls.append(path)
        return {}

    def system_status(self) -> tuple[str, str]:
        return "OK", ""


def test_no_progress_is_drawn_off_a_terminal() -> None:
    stream = io.StringIO()
    client = Recording()
    with ReadProgress(stream) as progress:
        assert progress.counting(client) is client
        progress.kind("DataExtension", 1, 10)
    assert stream.getvalue() == ""


def test_on_a_terminal_reads_are_counted_and_the_bar_is_removed_at_the_end() -> None:
    stream = io.StringIO()
    client = Recording()
    with ReadProgress(stream, enabled=True) as progress:
        counting = progress.counting(client)
        for done, kind in enumerate(("Folder", "DataExtension")):
            progress.kind(kind, done, 2)
            counting.retrieve(kind, ["Name"])
        counting.rest_items("automation/v1/dataextracts")
        counting.rest_get("automation/v1/dataextracts/1")
        progress.kind("", 2, 2)
        assert progress.objects == 6
        # Anything else goes to the client itself.
        assert counting.system_status() == ("OK", "")
    assert client.calls == [
        "Folder",
        "DataExtension",
        "automation/v1/dataextracts",
        "automation/v1/dataextracts/1",
    ]


def result() -> RetrieveResult:
    made = RetrieveResult()
    made.written += [
        WrittenObject("DataExtension", "a", Path("a.yaml")),
        WrittenObject("DataExtension", "b", Path("b.yaml")),
        WrittenObject("Folder", "Data Extensions/CRM", Path("CRM.yaml")),
        WrittenObject("QueryDefinition", "q", Path("q.yaml"), rewritten=True),
    ]
    made.skipped.append(SkippedObject("QueryDefinition", "old", "already defined at x.yaml:1:1"))
    made.unrepresentable.append(UnrepresentableObject("Automation", "yearly", "its schedule recurs 'yearly'"))
    made.cannot_manage += [
        UnrepresentableObject("DataExtension", "MobileAddress", "a system data extension"),
        UnrepresentableObject("DataExtension", "shared", "a shared data extension"),
    ]
    return made


def test_counts_per_kind_in_registry_order() -> None:
    assert counts(result()) == {
        "Folder": {"retrieved": 1, "skipped": 0, "not representable": 0, "cannot manage": 0},
        "DataExtension": {"retrieved": 2, "skipped": 0, "not representable": 0, "cannot manage": 2},
        "QueryDefinition": {"retrieved": 1, "skipped": 1, "not representable": 0, "cannot manage": 0},
        "Automation": {"retrieved": 0, "skipped": 0, "not representable": 1, "cannot manage": 0},
    }


def test_summary_table() -> None:
    assert summary_table(result()) == (
        "                 retrieved  skipped  not representable  cannot manage\n"
        "Folder                   1        0                  0              0\n"
        "DataExtension            2        0                  0              2\n"
        "QueryDefinition          1        1                  0              0\n"
        "Automation               0        0                  1              0\n"
        "Total                    4        1                  1              2\n"
    )
    assert summary_table(RetrieveResult()) == ""


def test_cannot_manage_lines() -> None:
    assert cannot_manage_lines(result()) == [
        "Cannot manage 2 object(s); they stay as they are in the account, and definitions may refer to them:",
        "  DataExtension MobileAddress: a system data extension",
        "  DataExtension shared: a shared data extension",
    ]
    assert cannot_manage_lines(RetrieveResult()) == []
