"""The errors a user can cause and fix.

Every exception here is shown by the CLI as one clear message and exit code 1, without a traceback.
Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the user's input, with where it is and what is wrong."""

    location: Location
    message: str
    path: str = ""
    # "warning": shown, never blocking (e.g. a query's SQL that may fail for data reasons).
    severity: str = "error"
    # The check that found it, when its callers tell checks apart ("sql": a query's SQL).
    rule: str = ""

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def __str__(self) -> str:
        where = f"{self.location}: "
        inside = f"{self.path}: " if self.path else ""
        return f"{where}{inside}{self.message}"


class McstateError(Exception):
    """Base of every error the user can cause; the CLI prints it without a traceback."""

    exit_code = 1


class ProblemsError(McstateError):
    """Several problems found at once (all of them are reported together)."""

    title = "invalid input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class DefinitionError(ProblemsError):
    """The YAML definitions are invalid: syntax, schema, duplicates, references."""

    title = "invalid definitions"


class ConfigError(McstateError):
    """mcstate.yaml is missing or invalid, or a target cannot be used."""


class ConfigProblems(ProblemsError, ConfigError):
    """mcstate.yaml does not meet its schema: every problem, with line and column."""

    title = "invalid mcstate.yaml"


class AuthError(McstateError):
    """The account refused the credentials or the token."""


class ApiError(McstateError):
    """The service answered a call with an error (a fault, or an error status for the whole call)."""

    def __init__(self, call: str, message: str, code: int | str | None = None) -> None:
        self.call = call
        self.code = code
        self.detail = message
        prefix = f"{code} " if code not in (None, "") else ""
        super().__init__(f"{call}: {prefix}{message}")


class UnknownOutcome(ApiError):
    """A write went out but no answer came back (the connection dropped, the answer timed out): the service
    may or may not have carried it out. It is never sent again blindly: the applier reads the account again
    and sends only what is still missing. `done` holds the results of the objects of earlier calls of the
    same write, whose outcome is known."""

    def __init__(self, call: str, message: str, done: Sequence[Any] = ()) -> None:
        super().__init__(call, f"{message}; whether the service carried it out is unknown")
        self.reason = message
        self.done = list(done)


class ObjectFailure(McstateError):
    """The service refused a write for one object."""

    def __init__(self, kind: str, key: str, code: int | None, message: str) -> None:
        self.kind = kind
        self.key = key
        self.code = code
        self.detail = message
        prefix = f"{code} " if code is not None else ""
        super().__init__(f"{kind} {key}: {prefix}{message}")


class ApplyError(McstateError):
    """Apply stopped: some writes failed or the result does not match the plan."""

    def __init__(self, message: str, failures: Iterable[McstateError] = ()) -> None:
        self.failures = list(failures)
        lines = [message, *(f"  {f}" for f in self.failures)]
        super().__init__("\n".join(lines))


class PlanRefused(McstateError):
    """Apply refused to run the plan as it is (destructive changes without the flag, ...)."""
