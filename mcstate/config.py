"""The project file mcstate.yaml: where the definitions are and which accounts (targets) to talk to."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from mcstate.client.parallel import DEFAULT_MAX_CONCURRENCY
from mcstate.client.retry import DEFAULT_POLICY, SETTINGS, RetryPolicy
from mcstate.definitions.variables import Value, Variables
from mcstate.errors import ConfigError, ConfigProblems, Location
from mcstate.project_files import ProjectFileError, check_inside

CONFIG_FILE = "mcstate.yaml"
CONFIG_SCHEMA = "config.schema.json"
ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
SECRET_FIELDS = ("client_id", "client_secret")
ACCOUNT_FIELDS = {
    "auth_url",
    "account_id",
    "client_id",
    "client_secret",
    "soap_url",
    "rest_url",
    "retries",
    "max_concurrency",
    "sftp",
    "vars",
}
# Upper bound of retries.attempts: beyond it a failing call keeps an apply waiting for no benefit.
MAX_ATTEMPTS = 20
EMULATOR_FIELDS = {"emulator", "files", "account_id", "vars"}
# Upper bound of max_concurrency: the service watches for call spikes and throttles accounts that cause them.
MAX_CONCURRENCY = 32


@dataclass(frozen=True)
class EmulatorTarget:
    name: str
    database: Path
    files: Path | None = None  # the file area; None: beside the database (emulator.files)
    account_id: str | None = None  # the business unit of the emulated enterprise; None: the parent


@dataclass(frozen=True)
class SftpSettings:
    host: str
    user: str
    port: int = 22
    password_variable: str | None = None
    key_file_variable: str | None = None

    def secret(self, target: str) -> tuple[str | None, str | None]:
        """(password, key file path), read from the environment when needed."""
        values: list[str | None] = []
        for variable in (self.password_variable, self.key_file_variable):
            values.append(None if variable is None else _credential(variable, f"target '{target}' sftp"))
        return values[0], values[1]


@dataclass(frozen=True)
class AccountTarget:
    name: str
    auth_url: str
    client_id_variable: str
    client_secret_variable: str
    account_id: str | None = None
    soap_url: str | None = None
    rest_url: str | None = None
    # How calls to this account are tried again (mcstate.client.retry).
    retries: RetryPolicy = field(default=DEFAULT_POLICY)
    # How many calls may be in flight at once (mcstate.client.parallel).
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    # The account's Enhanced FTP (mcstate files), when set.
    sftp: SftpSettings | None = None

    def secret_values(self) -> tuple[str, str]:
        """Read the credentials from the environment, at the moment they are needed."""
        needed_by = f"target '{self.name}'"
        return _credential(self.client_id_variable, needed_by), _credential(
            self.client_secret_variable, needed_by
        )


Target = EmulatorTarget | AccountTarget


@dataclass(frozen=True)
class Project:
    root: Path
    config_file: Path
    definitions: Path
    targets: dict[str, Target]
    default_target: str
    tests: Path | None = None  # the integration tests' folder (mcstate test); None: tests/
    # vars: of mcstate.yaml: the defaults (key None) and each target's own, with where each is written.
    variables: Mapping[str | None, Mapping[str, VariableSetting]] = field(default_factory=dict)

    def variables_for(self, name: str | None = None, *, keep_all: bool = False) -> Variables:
        """The values the target gives the variables (its own over the defaults), `${ENV}` references
        read now; ConfigError at the line of mcstate.yaml when such a variable is not set."""
        target = self.target(name).name
        settings = {**self.variables.get(None, {}), **self.variables.get(target, {})}
        values: dict[str, Value] = {}
        for variable, setting in settings.items():
            values[variable] = setting.resolve()
        declared = frozenset(v for scope in self.variables.values() for v in scope)
        from_environment = frozenset(name for name, setting in settings.items() if setting.from_environment)
        return Variables(target, values, declared, tuple(self.targets), keep_all, from_environment)

    def target(self, name: str | None = None) -> Target:
        chosen = name or self.default_target
        if chosen not in self.targets:
            known = ", ".join(sorted(self.targets)) or "none"
            raise ConfigError(f"{self.config_file.name}: no target named '{chosen}' (targets: {known})")
        return self.targets[chosen]


def find_project(start: Path | None = None, config: Path | None = None) -> Project:
    """Load mcstate.yaml from `config`, or from the current directory or the nearest parent having one."""
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"{config}: file not found")
        return load_project(config)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return load_project(candidate)
    raise ConfigError(
        f"no {CONFIG_FILE} found in {here} or its parents; create one (see README) or pass --config FILE"
    )


@dataclass(frozen=True)
class VariableSetting:
    """One value of vars: in mcstate.yaml: as written, and where (for the error when it cannot be read)."""

    value: Value
    where: str

    @property
    def from_environment(self) -> bool:
        return isinstance(self.value, str) and ENV_REFERENCE.fullmatch(self.value) is not None

    def resolve(self) -> Value:
        if not isinstance(self.value, str):
            return self.value
        reference = ENV_REFERENCE.fullmatch(self.value)
        if reference is None:
            return self.value
        variable = reference.group(1)
        found = os.environ.get(variable)
        if found is None:
            raise ConfigError(f"{self.where}: the environment variable {variable} is not set")
        from mcstate.definitions.loader import control_character

        # The file's values are checked when it is read; a value from the environment is checked here.
        bad = control_character(found, multi_line=False)
        if bad is not None:
            raise ConfigError(
                f"{self.where}: the environment variable {variable} contains the control character "
                f"U+{ord(bad.group(0)):04X}; remove it"
            )
        return found


ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Where:
    """Places in a small YAML file read as one document (mcstate.yaml, a test file): `mcstate.yaml:LINE:COL:
    path` error prefixes, or Locations."""

    def __init__(self, file: str, root: yaml.Node | None) -> None:
        self.file = file
        self.root = root

    def _node(self, path: tuple[str, ...], *, key: bool) -> yaml.Node | None:
        """The node at `path` (the key's node of its last part with `key`); the deepest one found."""
        node, found = self.root, self.root
        for part in path:
            if not isinstance(node, yaml.MappingNode):
                break
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                break
            found, node = match[0] if key and part == path[-1] else match[1], match[1]
        return found

    def location(self, *path: str) -> Location:
        found = self._node(path, key=False)
        if found is None:
            return Location(self.file)
        return Location(self.file, found.start_mark.line + 1, found.start_mark.column + 1)

    def __call__(self, *path: str) -> str:
        found = self._node(path, key=True)
        inside = ".".join(path)
        if found is None:
            return f"{self.file}: {inside}" if inside else self.file
        position = f"{self.file}:{found.start_mark.line + 1}:{found.start_mark.column + 1}"
        return f"{position}: {inside}" if inside else position


def load_project(path: Path) -> Project:
    """The project file, checked first against its JSON Schema by the definitions' own loader (every
    problem at once, with line and column, duplicate keys included), then for what a schema cannot say."""
    from mcstate.definitions.loader import load_single_document

    display = _display(path)
    data, problems = load_single_document(path, display, CONFIG_SCHEMA)
    if problems or data is None:
        raise ConfigProblems(problems)
    where = Where(display, yaml.compose(path.read_text(encoding="utf-8-sig")))
    if not isinstance(data, Mapping):
        raise ConfigError(f"{display}: expected a mapping with 'definitions', 'default_target' and 'targets'")
    unknown = sorted(map(str, set(data) - {"definitions", "tests", "default_target", "targets", "vars"}))
    if unknown:
        raise ConfigError(
            f"{where(unknown[0])}: unknown setting "
            "(settings: definitions, tests, default_target, targets, vars)"
        )
    targets_data = data.get("targets")
    if not isinstance(targets_data, Mapping) or not targets_data:
        raise ConfigError(f"{where('targets')}: must name at least one target")
    root = path.resolve().parent
    targets = {str(name): _target(where, str(name), spec, root) for name, spec in targets_data.items()}
    default = data.get("default_target")
    if default is None:
        if len(targets) != 1:
            raise ConfigError(f"{display}: 'default_target' must name one of: {', '.join(sorted(targets))}")
        default = next(iter(targets))
    if default not in targets:
        raise ConfigError(
            f"{where('default_target')}: '{default}' is not one of the targets ({', '.join(sorted(targets))})"
        )
    definitions = _project_path(
        data.get("definitions", "definitions"), root, where("definitions"), "must be a directory path"
    )
    tests = _project_path(data.get("tests", "tests"), root, where("tests"), "must be a directory path")
    variables: dict[str | None, dict[str, VariableSetting]] = {None: _variables(data.get("vars"), where)}
    for name, spec in targets_data.items():
        variables[str(name)] = _variables(spec.get("vars"), where, "targets", str(name))
    return Project(root, path.resolve(), root / definitions, targets, str(default), root / tests, variables)


def _variables(data: Any, where: Where, *path: str) -> dict[str, VariableSetting]:
    """vars: of the project or of a target (the schema has checked names and value types)."""
    if not isinstance(data, Mapping):
        return {}
    return {
        str(name): VariableSetting(value, where(*path, "vars", str(name))) for name, value in data.items()
    }


def _project_path(value: Any, root: Path, where: str, expected: str) -> str:
    """A path setting: a non-empty string naming a place inside the project."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {expected}")
    try:
        check_inside(root / value, root, value)
    except ProjectFileError as error:
        raise ConfigError(f"{where}: {error}") from None
    return value


def _target(where: Where, name: str, spec: Any, root: Path) -> Target:
    def at(*field: str) -> str:
        return where("targets", name, *field)

    if not isinstance(spec, Mapping):
        raise ConfigError(f"{at()}: expected a mapping ('emulator: FILE' or an account with 'auth_url')")
    keys = set(map(str, spec))
    if "emulator" in spec:
        if keys - EMULATOR_FIELDS:
            extra = sorted(keys - EMULATOR_FIELDS)
            raise ConfigError(
                f"{at(extra[0])}: an emulator target takes only 'emulator', 'files' and 'account_id'"
            )
        database = _project_path(
            spec["emulator"], root, at("emulator"), "expected the path of the emulator's SQLite file"
        )
        files = spec.get("files")
        if files is not None:
            files = _project_path(files, root, at("files"), "expected the path of a folder")
        account_id = spec.get("account_id")
        return EmulatorTarget(
            name,
            Path(database),
            Path(files) if files is not None else None,
            str(account_id) if account_id is not None else None,
        )
    unknown = sorted(keys - ACCOUNT_FIELDS)
    if unknown:
        raise ConfigError(
            f"{at(unknown[0])}: unknown setting (account targets take: {', '.join(sorted(ACCOUNT_FIELDS))})"
        )
    for required in ("auth_url", *SECRET_FIELDS):
        if not spec.get(required):
            raise ConfigError(f"{at()}: '{required}' is required for an account target")
    variables = []
    for secret in SECRET_FIELDS:
        value = spec[secret]
        match = ENV_REFERENCE.match(str(value))
        if not match:
            raise ConfigError(
                f"{at(secret)}: credentials must not be written in {CONFIG_FILE}; "
                f"reference an environment variable instead, e.g. {secret}: ${{MC_{secret.upper()}}}"
            )
        variables.append(match.group(1))
    auth_url = str(spec["auth_url"])
    for setting in ("auth_url", "soap_url", "rest_url"):
        if spec.get(setting) is not None:
            _check_url(at(setting), str(spec[setting]))
    account_id = spec.get("account_id")
    return AccountTarget(
        name,
        auth_url,
        variables[0],
        variables[1],
        str(account_id) if account_id is not None else None,
        str(spec["soap_url"]) if spec.get("soap_url") else None,
        str(spec["rest_url"]) if spec.get("rest_url") else None,
        _retries(at, spec.get("retries")) if "retries" in spec else DEFAULT_POLICY,
        _max_concurrency(at, spec.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)),
        _sftp(at, spec["sftp"]) if spec.get("sftp") is not None else None,
    )


def _sftp(at: Callable[..., str], spec: Any) -> SftpSettings:
    if not isinstance(spec, Mapping) or not spec.get("host") or not spec.get("user"):
        raise ConfigError(f"{at('sftp')}: needs host and user, and password or key_file")
    variables: dict[str, str | None] = {}
    for setting in ("password", "key_file"):
        value = spec.get(setting)
        match = ENV_REFERENCE.match(str(value)) if value is not None else None
        if value is not None and match is None:
            raise ConfigError(
                f"{at('sftp', setting)}: must not be written in {CONFIG_FILE}; reference an environment "
                f"variable instead, e.g. {setting}: ${{MC_SFTP_{setting.upper()}}}"
            )
        variables[setting] = match.group(1) if match else None
    if not any(variables.values()):
        raise ConfigError(f"{at('sftp')}: needs password or key_file (an environment variable reference)")
    return SftpSettings(
        str(spec["host"]),
        str(spec["user"]),
        int(spec.get("port", 22)),
        variables["password"],
        variables["key_file"],
    )


LOOPBACK_HOSTS = frozenset({"localhost", "::1"})


def _check_url(where: str, url: str) -> None:
    """An account URL is https, so that the client secret and tokens never travel in clear; plain http
    only to this machine (an emulator, a test server)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}: expected a URL such as https://SUBDOMAIN.auth.marketingcloudapis.com/")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"{where}: {url} is plain http: the client secret and tokens would travel in clear; use https "
            "(http is accepted only for this machine: localhost, 127.0.0.1, ::1)"
        )


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _max_concurrency(at: Callable[..., str], value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigError(f"{at('max_concurrency')}: expected a whole number from 1 to {MAX_CONCURRENCY}")
    return value


def _retries(at: Callable[..., str], spec: Any) -> RetryPolicy:
    """`retries:` of a target: each setting optional, the others keep their defaults."""
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{at('retries')}: expected a mapping of {', '.join(SETTINGS)}")
    unknown = sorted(set(map(str, spec)) - set(SETTINGS))
    if unknown:
        raise ConfigError(
            f"{at('retries', unknown[0])}: unknown setting (retries take: {', '.join(SETTINGS)})"
        )
    values: dict[str, Any] = {}
    for name, value in spec.items():
        if name == "attempts":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ATTEMPTS:
                raise ConfigError(f"{at('retries', name)}: expected a whole number from 1 to {MAX_ATTEMPTS}")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{at('retries', name)}: expected a number of seconds, 0 or more")
        elif name in ("total_seconds", "timeout") and value == 0:
            raise ConfigError(f"{at('retries', name)}: expected a number of seconds above 0")
        values[str(name)] = value
    policy = RetryPolicy(**values)
    if policy.max_delay < policy.initial_delay:
        raise ConfigError(
            f"{at('retries', 'max_delay' if 'max_delay' in values else 'initial_delay')}: max_delay "
            f"({policy.max_delay:g}) must not be below initial_delay ({policy.initial_delay:g})"
        )
    return policy


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _credential(variable: str, needed_by: str) -> str:
    """A credential's value from the environment, read when it is needed; ConfigError when it has none."""
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(
            f"{needed_by} needs the environment variable {variable}, which {_unset_or_empty(variable)}"
        )
    return value


def _unset_or_empty(variable: str) -> str:
    """Why a credential's variable is unusable, and how to fix it: an empty one is usually a CI secret that
    was never added (GitHub Actions hands a missing secret over as an empty string)."""
    if variable in os.environ:
        return (
            f"is empty. In GitHub Actions, add the repository secret {variable} (Settings → Secrets and "
            f"variables → Actions); elsewhere, export {variable} with its value"
        )
    return f"is not set: export {variable} with its value (in CI, from a secret)"
