"""Finding the data extensions a query's SQL names through the word index gives exactly what searching the
SQL for every data extension's name and key gives (random names and queries: spaces, dots, brackets,
underscores, digits, mixed case, accents)."""

from __future__ import annotations

import random
import re

from mcstate.flow import _Object, _read_by_sql, _SqlNames

PIECES = [
    "NTO",
    "Customers",
    "de",
    "1",
    "_x",
    "ENT",
    "Ünïcode",
    "a.b",
    "[",
    "]",
    " ",
    "-",
    "Sent",
    "ſent",
    "k",
]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4))).strip() or "x"


def test_the_index_finds_what_searching_everything_finds() -> None:
    rng = random.Random(11)
    objects = [
        _Object(
            "DataExtension",
            f"{_name(rng)}{number}" if rng.random() < 0.5 else _name(rng),
            {"name": _name(rng)},
        )
        for number in range(300)
    ]
    index = _SqlNames(objects)
    for _ in range(400):
        chosen = rng.sample(objects, 3)
        words = [rng.choice([obj.key, str(obj.attributes["name"])]) for obj in chosen]
        decorated = [
            rng.choice(["{}", "[{}]", "ENT.{}", "{}x", "x{}", "{}.Id", "{}_1"]).format(w) for w in words
        ]
        if rng.random() < 0.5:
            decorated = [word.upper() if rng.random() < 0.5 else word.lower() for word in decorated]
        sql = f"SELECT * FROM {decorated[0]} JOIN {decorated[1]} ON 1=1 WHERE {decorated[2]} > 0"
        expected = [
            obj for obj in objects if any(_mentioned(sql, term) for term in (obj.key, obj.attributes["name"]))
        ]
        assert index.read_by(sql) == _read_by_sql(sql, objects) == expected, sql
        assert expected  # the three chosen are in it, but for decorations that glue words together


def _mentioned(sql: str, term: str) -> bool:
    """The rule, spelled out: the term as a whole word, case-insensitively."""
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", sql, re.IGNORECASE) is not None
