"""How `mcstate rows` shows rows: an aligned table, CSV with a header line, or JSON objects."""

from __future__ import annotations

import csv
import io
import json

from mcstate.render.safe import printable
from mcstate.rows import Rows


def render_table(result: Rows) -> str:
    cells = [[printable(value) for value in row.values()] for row in result.rows]
    header = list(result.columns)
    widths = [max([len(header[i]), *(len(row[i]) for row in cells)]) for i in range(len(header))]

    def line(values: list[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()

    lines = [line(header), line(["-" * width for width in widths]), *(line(row) for row in cells)]
    lines.append(f"({len(result.rows)} row{'' if len(result.rows) == 1 else 's'})")
    return "\n".join(lines) + "\n"


def render_csv(result: Rows) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow(row.values())
    return text.getvalue()


def render_json(result: Rows) -> str:
    return json.dumps(result.rows, indent=2, ensure_ascii=False) + "\n"
