"""Fault injection: the emulator misbehaves the way the real service and the network do, on purpose.

A fault profile (``mcstate emulator serve --faults PROFILE.yaml``, or ``PUT /_emulator/faults`` with the same
profile as JSON) lists rules. Each rule picks calls by operation and object type and fires by rate or on the
Nth matching call, with one effect:

* ``server_fault`` - HTTP 500 with a soap:Server fault (Code 13), the service's throttling signal; REST and
  the token endpoint answer HTTP 500 with a JSON body.
* ``rate_limited`` - every object of a write fails with ErrorCode 17; REST answers HTTP 429. Nothing is
  written.
* ``partial`` - some objects of a write fail with ErrorCode 2 (OverallStatus "Has Errors"), the others are
  written.
* ``reset_before`` - the connection is reset before anything is done.
* ``reset_after`` - the call is carried out (a write is committed), then the connection is reset before the
  answer: the client cannot know whether it happened.
* ``delay`` - the answer comes ``delay_ms`` later.
* ``token_expired`` - the token is refused: Security fault "Token Expired" (or ``message``) on SOAP, HTTP 401
  on REST.

Profile::

    seed: 7              # draws are a function of (seed, rule, Nth matching call): same profile, same faults
    latency_ms: 0        # added to every answer
    rules:
      - operation: Create          # or a list; "*" any, "write" every write (SOAP and REST)
        object_type: DataExtension # or a list; REST: a word of the path such as dataextracts; default any
        rate: 0.3                  # or nth: 2 / nth: [1, 4] (1-based); neither: every matching call
        times: 5                   # fire at most this often (optional)
        effect: reset_after        # or a list: one is drawn among those that suit the call
        fail_rate: 0.5             # partial: share of the objects that fail (at least one)
        delay_ms: 200              # delay
        message: Token Expired     # token_expired: or "Login failed"

Operations are SOAP actions (Create, Retrieve, Update, Delete, Perform, GetSystemStatus, ...), REST methods
(GET, POST, PATCH, PUT, DELETE) and Token (``POST /v2/token``). Admin endpoints are never faulted.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

Protocol = Literal["soap", "rest", "token"]

EFFECTS = (
    "server_fault",
    "rate_limited",
    "partial",
    "reset_before",
    "reset_after",
    "delay",
    "token_expired",
)
SOAP_WRITES = frozenset({"Create", "Update", "Delete", "Perform"})
REST_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
TOKEN_OPERATION = "Token"
TOKEN_MESSAGES = ("Token Expired", "Login failed")
# The effects `--fault-rate` spreads its rate over: every fault a client must survive, but not plain delays.
TRANSIENT_EFFECTS = (
    "server_fault",
    "rate_limited",
    "partial",
    "reset_before",
    "reset_after",
    "token_expired",
)
RULE_FIELDS = frozenset(
    {"operation", "object_type", "rate", "nth", "times", "effect", "fail_rate", "delay_ms", "message"}
)
PROFILE_FIELDS = frozenset({"seed", "latency_ms", "rules"})


class ProfileError(ValueError):
    """A fault profile that cannot be used; the text says where and why."""


class ConnectionDropped(ConnectionResetError):
    """Raised by the application to make the server reset the connection instead of answering."""


@dataclass(frozen=True)
class Call:
    """What a fault rule can see of one request."""

    protocol: Protocol
    operation: str
    object_types: tuple[str, ...] = ()
    object_count: int = 0
    path: str = ""

    @property
    def is_write(self) -> bool:
        return self.operation in (SOAP_WRITES if self.protocol == "soap" else REST_WRITES)


@dataclass(frozen=True)
class Rule:
    operations: tuple[str, ...] = ("*",)
    object_types: tuple[str, ...] = ()
    rate: float | None = None
    nth: tuple[int, ...] = ()
    times: int | None = None
    effects: tuple[str, ...] = ("server_fault",)
    fail_rate: float = 0.5
    delay_ms: int = 0
    message: str = TOKEN_MESSAGES[0]

    def matches(self, call: Call) -> bool:
        return self._operation_matches(call) and self._type_matches(call)

    def _operation_matches(self, call: Call) -> bool:
        for operation in self.operations:
            if operation == "*" or operation.casefold() == call.operation.casefold():
                return True
            if operation == "write" and call.is_write:
                return True
        return False

    def _type_matches(self, call: Call) -> bool:
        if not self.object_types:
            return True
        if call.protocol == "rest":
            words = call.path.casefold().strip("/").split("/")
            return any(wanted.casefold() in words for wanted in self.object_types)
        given = {name.casefold() for name in call.object_types}
        return any(wanted.casefold() in given for wanted in self.object_types)

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"operation": list(self.operations), "effect": list(self.effects)}
        if self.object_types:
            value["object_type"] = list(self.object_types)
        if self.rate is not None:
            value["rate"] = self.rate
        if self.nth:
            value["nth"] = list(self.nth)
        if self.times is not None:
            value["times"] = self.times
        if "partial" in self.effects:
            value["fail_rate"] = self.fail_rate
        if "delay" in self.effects:
            value["delay_ms"] = self.delay_ms
        if "token_expired" in self.effects:
            value["message"] = self.message
        return value


def suits(effect: str, call: Call) -> bool:
    """Whether an effect means something for this call (a partial batch needs a SOAP write, ...)."""
    if effect == "partial":
        return call.protocol == "soap" and call.is_write and call.object_count > 0
    if effect == "rate_limited":
        return call.is_write
    if effect == "token_expired":
        return call.protocol != "token"
    return True


@dataclass(frozen=True)
class Profile:
    seed: int = 0
    latency_ms: int = 0
    rules: tuple[Rule, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.rules) or self.latency_ms > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "latency_ms": self.latency_ms,
            "rules": [rule.to_json() for rule in self.rules],
        }


NO_FAULTS = Profile()


@dataclass(frozen=True)
class Decision:
    """What to do to one call: wait `delay` seconds, then the effect (None: answer normally)."""

    delay: float = 0.0
    effect: str | None = None
    # partial: the 0-based positions of the objects that fail.
    failing: frozenset[int] = frozenset()
    message: str = ""


@dataclass
class _Fired:
    rule: int
    effect: str
    operation: str
    object_types: list[str]
    call: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "effect": self.effect,
            "operation": self.operation,
            "object_types": self.object_types,
            "call": self.call,
        }


@dataclass
class FaultInjector:
    """Decides, call by call, which fault (if any) the emulator plays. Thread-safe; counters start again
    whenever the profile is replaced."""

    profile: Profile = NO_FAULTS
    _matched: dict[int, int] = field(default_factory=dict)
    _fired: dict[int, int] = field(default_factory=dict)
    _log: list[_Fired] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def replace(self, profile: Profile) -> None:
        with self._lock:
            self.profile = profile
            self._matched.clear()
            self._fired.clear()
            self._log.clear()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"profile": self.profile.to_json(), "fired": [entry.to_json() for entry in self._log]}

    def decide(self, call: Call) -> Decision:
        with self._lock:
            return self._decide(call)

    def _decide(self, call: Call) -> Decision:
        profile = self.profile
        delay = profile.latency_ms / 1000
        chosen: Decision | None = None
        # Every matching rule counts the call, whether or not an earlier rule plays a fault on it: "the
        # Nth call" of a rule does not depend on the other rules.
        for index, rule in enumerate(profile.rules):
            if not rule.matches(call):
                continue
            suitable = [effect for effect in rule.effects if suits(effect, call)]
            if not suitable:
                continue
            number = self._matched.get(index, 0) + 1
            self._matched[index] = number
            if rule.times is not None and self._fired.get(index, 0) >= rule.times:
                continue
            # Seeded by the call's position, not by a shared stream: another rule's calls never shift it.
            draw = random.Random(f"{profile.seed}:{index}:{number}")
            rate = 1.0 if rule.rate is None else rule.rate
            fires = number in rule.nth if rule.nth else draw.random() < rate
            if not fires:
                continue
            effect = draw.choice(suitable)
            if effect != "delay" and chosen is not None:
                continue
            self._fired[index] = self._fired.get(index, 0) + 1
            self._log.append(_Fired(index, effect, call.operation, list(call.object_types), number))
            if effect == "delay":
                delay += rule.delay_ms / 1000
            else:
                chosen = Decision(0.0, effect, _failing(rule, call, draw), rule.message)
        if chosen is None:
            return Decision(delay)
        return Decision(delay, chosen.effect, chosen.failing, chosen.message)


def _failing(rule: Rule, call: Call, draw: random.Random) -> frozenset[int]:
    if call.object_count <= 0:
        return frozenset()
    chosen = {ordinal for ordinal in range(call.object_count) if draw.random() < rule.fail_rate}
    if not chosen:
        chosen = {draw.randrange(call.object_count)}
    return frozenset(chosen)


# -- reading profiles ---------------------------------------------------------------------------------------


def load_profile(path: Path) -> Profile:
    """A profile from a YAML file; ProfileError names the file and the place of a mistake."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"{path}: cannot read the fault profile: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ProfileError(f"{path}: invalid YAML: {error}") from None
    return parse_profile(data, str(path))


def parse_profile(data: Any, source: str = "profile") -> Profile:
    if data is None:
        return NO_FAULTS
    if not isinstance(data, Mapping):
        raise ProfileError(f"{source}: expected a mapping with seed, latency_ms and rules")
    unknown = sorted(map(str, set(data) - PROFILE_FIELDS))
    if unknown:
        raise ProfileError(
            f"{source}: {unknown[0]}: unknown setting (settings: {', '.join(sorted(PROFILE_FIELDS))})"
        )
    seed = _integer(data.get("seed", 0), f"{source}: seed")
    latency = _integer(data.get("latency_ms", 0), f"{source}: latency_ms", minimum=0)
    rules_data = data.get("rules")
    rules_data = [] if rules_data is None else rules_data
    if not isinstance(rules_data, list):
        raise ProfileError(f"{source}: rules: expected a list of rules")
    rules = tuple(_rule(item, f"{source}: rules[{index}]") for index, item in enumerate(rules_data))
    return Profile(seed, latency, rules)


def _rule(data: Any, where: str) -> Rule:
    if not isinstance(data, Mapping):
        raise ProfileError(f"{where}: expected a mapping")
    unknown = sorted(map(str, set(data) - RULE_FIELDS))
    if unknown:
        raise ProfileError(
            f"{where}.{unknown[0]}: unknown setting (settings: {', '.join(sorted(RULE_FIELDS))})"
        )
    effects = _words(data.get("effect"), f"{where}.effect")
    if not effects:
        raise ProfileError(f"{where}.effect: required (effects: {', '.join(EFFECTS)})")
    for effect in effects:
        if effect not in EFFECTS:
            raise ProfileError(f"{where}.effect: unknown effect '{effect}' (effects: {', '.join(EFFECTS)})")
    if "rate" in data and "nth" in data:
        raise ProfileError(f"{where}: give rate or nth, not both")
    rate = None
    if "rate" in data:
        rate = data["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ProfileError(f"{where}.rate: expected a number from 0 to 1")
        rate = float(rate)
    nth_data = data.get("nth", [])
    nth_items = nth_data if isinstance(nth_data, list) else [nth_data]
    nth = tuple(_integer(item, f"{where}.nth", minimum=1) for item in nth_items)
    times = None if data.get("times") is None else _integer(data["times"], f"{where}.times", minimum=0)
    fail_rate = data.get("fail_rate", 0.5)
    if isinstance(fail_rate, bool) or not isinstance(fail_rate, int | float) or not 0 <= fail_rate <= 1:
        raise ProfileError(f"{where}.fail_rate: expected a number from 0 to 1")
    delay_ms = _integer(data.get("delay_ms", 0), f"{where}.delay_ms", minimum=0)
    message = data.get("message", TOKEN_MESSAGES[0])
    if message not in TOKEN_MESSAGES:
        raise ProfileError(f"{where}.message: expected one of: {', '.join(TOKEN_MESSAGES)}")
    operations = _words(data.get("operation", "*"), f"{where}.operation") or ("*",)
    object_types = _words(data.get("object_type"), f"{where}.object_type")
    return Rule(operations, object_types, rate, nth, times, effects, float(fail_rate), delay_ms, message)


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    words = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ProfileError(f"{where}: expected a name or a list of names")
        words.append(item.strip())
    return tuple(words)


def _integer(value: Any, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        bound = f" of at least {minimum}" if minimum is not None else ""
        raise ProfileError(f"{where}: expected a whole number{bound}")
    return value


def with_options(
    profile: Profile,
    *,
    seed: int | None = None,
    latency_ms: int | None = None,
    fault_rate: float | None = None,
) -> Profile:
    """The profile with the command line's shorthands applied: `fault_rate` adds a rule that plays one of
    the transient faults (TRANSIENT_EFFECTS) on that share of all calls."""
    rules: Sequence[Rule] = profile.rules
    if fault_rate is not None:
        if not 0 <= fault_rate <= 1:
            raise ProfileError("--fault-rate: expected a number from 0 to 1")
        rules = [*rules, Rule(("*",), (), fault_rate, (), None, TRANSIENT_EFFECTS)]
    if latency_ms is not None and latency_ms < 0:
        raise ProfileError("--latency-ms: expected a whole number of at least 0")
    return Profile(
        profile.seed if seed is None else seed,
        profile.latency_ms if latency_ms is None else latency_ms,
        tuple(rules),
    )
