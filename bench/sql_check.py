"""What the SQL check costs: every query of the benchmark's definitions checked against every data extension,
as validate does (definitions only) and as plan does (the definitions and an account holding the same data
extensions), catalogue building included.

    python bench/sql_check.py [--data-extensions 10000]

The benchmark's definitions hold one query per ten data extensions (1,000 queries for 10,000). A
measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from generate import write_definitions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-extensions", type=int, default=10_000)
    args = parser.parse_args()

    from mcstate.definitions.loader import load_documents
    from mcstate.desired import build_desired
    from mcstate.resources import declarable
    from mcstate.resources.base import Live
    from mcstate.resources.query_definition import sql_location
    from mcstate.resources.query_sql import sql_problems
    from mcstate.sql import catalog

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_definitions(root / "definitions", args.data_extensions)
        desired = build_desired(load_documents(root / "definitions", declarable(), project_root=root))
    queries = [obj for obj in desired if obj.kind == "QueryDefinition"]
    live = {
        "DataExtension": {
            obj.key: Live(obj.kind, obj.key, obj.attributes, {})
            for obj in desired
            if obj.kind == "DataExtension"
        }
    }
    for label, account in (("validate (definitions)", None), ("plan (definitions and account)", live)):
        catalog._built.clear()
        start = time.perf_counter()
        problems = [
            problem
            for query in queries
            for problem in sql_problems(query, desired.objects, account, sql_location)
        ]
        elapsed = time.perf_counter() - start
        print(
            f"{label}: {len(queries)} queries, {args.data_extensions} data extensions: "
            f"{elapsed:.2f} s, {len(problems)} problem(s)"
        )


if __name__ == "__main__":
    main()
