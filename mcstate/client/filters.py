"""Retrieve filters as plain values; the SOAP client turns them into Simple/ComplexFilterPart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Simple:
    property: str
    operator: str  # a SimpleOperators literal: equals, IN, like, ...
    values: tuple[str, ...]


@dataclass(frozen=True)
class Complex:
    left: Filter
    operator: Literal["AND", "OR"]
    right: Filter


Filter = Simple | Complex


def equals(prop: str, value: object) -> Simple:
    return Simple(prop, "equals", (str(value),))


def is_in(prop: str, values: list[str] | tuple[str, ...]) -> Filter:
    """IN with one value is spelled `equals`, as the service expects at least two values for IN."""
    if len(values) == 1:
        return equals(prop, values[0])
    return Simple(prop, "IN", tuple(str(v) for v in values))
