"""`mcstate init`: a new project, ready for a first plan against the embedded emulator: mcstate.yaml, a
first definition, the JSON Schemas beside them for editors, a first integration test, and .gitignore; with
`--ci github`, the GitHub workflows that plan pull requests, apply merges and watch for drift."""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path

import mcstate
from mcstate.definitions.schemas import schemas_dir
from mcstate.errors import ConfigError

CONFIG = """\
# yaml-language-server: $schema=schemas/config.schema.json
# mcstate project: where the definitions live and which accounts they apply to.
definitions: definitions
tests: tests
default_target: local
targets:
  # The embedded Marketing Cloud emulator: no account and no credentials needed.
  local:
    emulator: .mcstate/local.db
  # A real account (an installed package's client credentials, read from the environment):
  # production:
  #   auth_url: https://SUBDOMAIN.auth.marketingcloudapis.com/
  #   client_id: ${MC_CLIENT_ID}
  #   client_secret: ${MC_CLIENT_SECRET}
"""
FIRST_DEFINITION = """\
# yaml-language-server: $schema=../../schemas/data_extension.schema.json
kind: DataExtension
key: customers
name: Customers
description: Customers from the CRM
fields:
  - {name: CustomerId, type: Text, length: 50, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City, type: Text, length: 100}
"""
FIRST_IMPORT = """\
# yaml-language-server: $schema=../../schemas/import_definition.schema.json
kind: ImportDefinition
key: customers_import
name: Import customers
description: The CRM's daily customer file, dropped in the Enhanced FTP's Import folder
destination: customers
file_spec: customers_%%YEAR%%%%MONTH%%%%DAY%%.csv
field_mapping: infer_from_column_headings
update_type: add_and_update
"""
FIRST_TEST = """\
# yaml-language-server: $schema=../schemas/test.schema.json
name: the CRM's customer file loads into customers
given:
  now: 2026-01-05T02:00:00
  files:
    Import/customers_20260105.csv: fixtures/customers.csv
run: ImportDefinition.customers_import
expect:
  rows:
    customers: fixtures/customers.csv
  imports:
    customers_import: {total: 2, successful: 2, errors: 0}
"""
GITIGNORE = """\
# mcstate: the embedded emulator's account and files, saved plans
.mcstate/
*.plan.json
"""


# The account workflows mcstate's own repository runs (.github/workflows, shipped as mcstate.workflows); a
# project installs the released mcstate instead of the repository's source.
WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml")
SOURCE_INSTALL = "run: python -m pip install --quiet .\n"
_SOURCE_TREE_WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
CI_SYSTEMS = ("github",)


def workflows_dir() -> Path:
    """The folder holding the workflow files (packaged, or the source tree's for an editable install)."""
    try:
        packaged = importlib.resources.files("mcstate.workflows")
    except ModuleNotFoundError:
        packaged = None
    if isinstance(packaged, Path) and (packaged / WORKFLOWS[0]).is_file():
        return packaged
    return _SOURCE_TREE_WORKFLOWS


def workflow_text(name: str) -> str:
    """A workflow as a project gets it: installing this version of mcstate from the package index."""
    text = (workflows_dir() / name).read_text(encoding="utf-8")
    if SOURCE_INSTALL not in text:
        raise RuntimeError(f"workflow {name} no longer installs mcstate with {SOURCE_INSTALL.strip()!r}")
    release = f'run: python -m pip install --quiet "mcstate=={mcstate.__version__}"\n'
    return text.replace(SOURCE_INSTALL, release)


def init_project(root: Path, ci: str | None = None) -> list[Path]:
    """Write a new project into `root` (with the workflows of `ci`); ConfigError when one is already there.
    The files written."""
    if ci is not None and ci not in CI_SYSTEMS:
        raise ConfigError(f"--ci {ci}: mcstate writes workflows for {', '.join(CI_SYSTEMS)}")
    existing = (root / "mcstate.yaml").exists()
    if existing and ci is None:
        raise ConfigError(f"{root / 'mcstate.yaml'} already exists: this folder is already a project")
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = root / relative
        if path.exists():
            return  # never overwrite what the user has
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    if existing:
        # An existing project gets the workflows only (nothing of the user's is overwritten).
        for name in WORKFLOWS:
            write(f".github/workflows/{name}", workflow_text(name))
        return written
    write("mcstate.yaml", CONFIG)
    write("definitions/data_extensions/customers.yaml", FIRST_DEFINITION)
    write("definitions/imports/customers.yaml", FIRST_IMPORT)
    write("tests/customers.test.yaml", FIRST_TEST)
    write(
        "tests/fixtures/customers.csv",
        "CustomerId,Email,City\nC1,ana@example.com,Lyon\nC2,ben@example.com,Nice\n",
    )
    write(".gitignore", GITIGNORE)
    if ci == "github":
        for name in WORKFLOWS:
            write(f".github/workflows/{name}", workflow_text(name))
    schemas = root / "schemas"
    for source in sorted(schemas_dir().glob("*.schema.json")):
        target = schemas / source.name
        if not target.exists():
            schemas.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    return written
