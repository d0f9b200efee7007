"""Every YAML example in the README and docs/ is checked against the project it belongs to: definitions
against a copy of the example project (the example's own definition of the same object replaced by the
snippet, the snippet's attributes over it), mcstate.yaml snippets as the example's project file, the
integration test as a test of the example, the fault profile by the emulator, the workflow snippet inside
a workflow. A documented example that no longer works fails here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcstate.emulator.faults import parse_profile

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^( *)```ya?ml\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
CONFIG_KEYS = {"definitions", "tests", "default_target", "targets"}


def examples() -> list[tuple[str, str, str]]:
    """(where, the example, the last whole mcstate.yaml shown before it on the page: its project file)."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        config = ""
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            example = textwrap.dedent(match.group(2))
            found.append((f"{page.relative_to(ROOT)}:{line}", example, config))
            if re.match(r"(#.*\n)*definitions:", example):
                config = example
    return found


EXAMPLES = examples()


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, once; each test copies it again (cheap) to change it."""
    root = tmp_path_factory.mktemp("example")
    for name in ("definitions", "mcstate-tests", "schemas"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "mcstate.yaml", root / "mcstate.yaml")
    return root


def fresh(example_copy: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(example_copy, root)
    return root


def test_every_example_is_found() -> None:
    # The pages hold examples of every sort checked below; a regular expression that found none would
    # make every check pass.
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize(("where", "text", "config"), EXAMPLES, ids=[where for where, _, _ in EXAMPLES])
def test_the_example_works_in_its_project(
    where: str, text: str, config: str, example_copy: Path, tmp_path: Path
) -> None:
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    assert documents, f"{where}: an empty example"
    first = documents[0]
    if isinstance(first, dict) and "kind" in first:
        root = fresh(example_copy, tmp_path)
        if "${var." in text or any("targets" in d for d in documents):
            # An example of variables belongs to the project file shown before it.
            assert config, f"{where}: uses variables, but no mcstate.yaml is shown before it"
            (root / "mcstate.yaml").write_text(config, encoding="utf-8")
        check_definitions(where, documents, root)
    elif isinstance(first, dict) and (set(first) & CONFIG_KEYS or all(_is_target(v) for v in first.values())):
        check_config(where, first, fresh(example_copy, tmp_path))
    elif isinstance(first, dict) and {"given", "run", "expect"} <= set(first):
        check_integration_test(where, text, fresh(example_copy, tmp_path))
    elif isinstance(first, dict) and "rules" in first:
        parse_profile(first, where)
    elif isinstance(first, dict) and "strategy" in first:
        check_workflow_job(where, first, tmp_path)
    else:
        pytest.fail(f"{where}: no check knows this example; add one")


def _is_target(value: Any) -> bool:
    return isinstance(value, dict) and bool({"auth_url", "emulator"} & set(value))


def _identity(document: dict[str, Any]) -> tuple[str, str]:
    return str(document.get("kind")), str(document.get("key", document.get("path", "")))


def check_definitions(where: str, snippets: list[dict[str, Any]], root: Path) -> None:
    """Each snippet replaces the example's definition of the same object (its attributes over the
    example's), or joins the example; the project must then validate."""
    placed = {_identity(snippet): snippet for snippet in snippets}
    for path in sorted((root / "definitions").rglob("*.yaml")):
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        changed = False
        for index, document in enumerate(documents):
            if isinstance(document, dict) and _identity(document) in placed:
                documents[index] = {**document, **placed.pop(_identity(document))}
                changed = True
        if changed:
            path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    if placed:
        added = yaml.safe_dump_all(list(placed.values()), sort_keys=False)
        (root / "definitions" / "documented_example.yaml").write_text(added, encoding="utf-8")
    result = mcstate(root, "validate")
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"
    # A reference to an object the example does not declare is only a warning for validate (it may exist
    # in an account); a documented example must not need one.
    assert "warning" not in result.stderr, f"{where}:\n{result.stderr}"


def check_config(where: str, snippet: dict[str, Any], root: Path) -> None:
    """A whole mcstate.yaml replaces the example's; a target (or targets:) joins the example's targets."""
    config = yaml.safe_load((root / "mcstate.yaml").read_text(encoding="utf-8"))
    if "definitions" in snippet:
        config = snippet
        for folder in (snippet.get("definitions"), snippet.get("tests")):
            if folder and not (root / folder).exists():
                (root / folder).mkdir(parents=True)
    else:
        config["targets"].update(snippet.get("targets", snippet))
    (root / "mcstate.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    result = mcstate(root, "validate")
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"


def check_integration_test(where: str, text: str, root: Path) -> None:
    """The documented test runs, and passes, among the example's tests."""
    (root / "mcstate-tests" / "documented.test.yaml").write_text(text, encoding="utf-8")
    result = mcstate(root, "test", "mcstate-tests/documented.test.yaml")
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"


def check_workflow_job(where: str, snippet: dict[str, Any], tmp_path: Path) -> None:
    """A job's settings, in the drift workflow's job: the workflow stays valid for GitHub."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "drift.yml").read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True)
    [job] = workflow["jobs"].values()
    job.update(snippet)
    path = tmp_path / "workflow.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"
