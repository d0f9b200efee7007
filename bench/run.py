"""The mcstate benchmark: plan and apply against the emulator over HTTP with a per-call latency.

    python bench/run.py [--sizes 100,1000,10000] [--latency-ms 150] [--out bench/results/latest.json]

For every size it writes the definitions of an account of that many data extensions (bench/generate.py),
serves an empty emulated account over HTTP (`mcstate emulator serve --latency-ms`), and runs the real CLI as
a child process for each step:

    apply (first)        creates everything
    apply (second)       nothing to do: must write nothing
    plan (no changes)    exit 0
    plan (10 % changed)  after every tenth object of every kind was edited; exit 2
    apply (10 % changed) writes the edits

and measures wall time, CPU time and peak memory of that process (os.wait4), and from the emulator's request
log the HTTP calls by operation and object type and the bytes on the wire (request and answer bodies). It
also measures start-up (`mcstate --help`, `mcstate validate`) and Retrieve parsing (bench/parsing.py).
This is a measurement, not a test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from generate import write_definitions  # noqa: E402

LISTENING = re.compile(r"listening on (http://\S+/)")
WRITE_OPERATIONS = frozenset({"Create", "Update", "Delete", "Perform", "POST", "PATCH", "PUT", "DELETE"})
ENVIRONMENT = {"MC_CLIENT_ID": "bench", "MC_CLIENT_SECRET": "bench-secret", "NO_COLOR": "1"}


@dataclass
class Step:
    """One mcstate command as measured."""

    size: int
    name: str
    command: list[str]
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_mb: float
    calls: int
    write_calls: int
    largest_write_batch: int
    objects_written: int
    bytes_sent: int
    bytes_received: int
    calls_by_type: dict[str, int] = field(default_factory=dict)
    # Objects each Retrieve type answered, over all its pages.
    retrieved_by_type: dict[str, int] = field(default_factory=dict)
    expected_exit: int = 0

    @property
    def ok(self) -> bool:
        return self.exit_code == self.expected_exit


class Emulator:
    """`mcstate emulator serve` in a child process, with its admin endpoints."""

    def __init__(self, database: Path, latency_ms: int) -> None:
        command = [sys.executable, "-m", "mcstate", "emulator", "serve", "--port", "0", "--db", str(database)]
        if latency_ms:
            command += ["--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = LISTENING.search(line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"the emulator did not start: {line}{self.process.stdout.read()}")
        self.base_url = match.group(1)

    def admin(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.base_url + "_emulator/" + path, method=method)
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read() or b"null")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def run_measured(command: list[str], cwd: Path) -> tuple[int, float, float, float, str]:
    """Run `command`; (exit code, wall seconds, CPU seconds, peak resident MB, output) of that process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **ENVIRONMENT}, stdout=output, stderr=subprocess.STDOUT
        )
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would mix all children so far).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    # ru_maxrss is in kilobytes on Linux.
    return process.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def call_name(entry: dict[str, Any]) -> str:
    types = ",".join(entry.get("object_types") or [])
    return f"{entry.get('operation')} {types}".strip()


def measure_step(
    size: int, name: str, args: list[str], project: Path, emulator: Emulator, expected_exit: int
) -> Step:
    emulator.admin("DELETE", "requests")
    command = [sys.executable, "-m", "mcstate", *args]
    exit_code, wall, cpu, peak, output = run_measured(command, project)
    log = emulator.admin("GET", "requests")
    writes = [entry for entry in log if entry.get("operation") in WRITE_OPERATIONS]
    retrieved: Counter[str] = Counter()
    for entry in log:
        if entry.get("operation") == "Retrieve":
            retrieved[",".join(entry.get("object_types") or [])] += int(entry.get("result_count") or 0)
    step = Step(
        size=size,
        name=name,
        command=["mcstate", *args],
        exit_code=exit_code,
        wall_s=round(wall, 3),
        cpu_s=round(cpu, 3),
        peak_mb=round(peak, 1),
        calls=len(log),
        write_calls=len(writes),
        largest_write_batch=max((int(entry.get("object_count") or 0) for entry in writes), default=0),
        objects_written=sum(int(entry.get("object_count") or 0) for entry in writes),
        bytes_sent=sum(int(entry.get("request_bytes") or 0) for entry in log),
        bytes_received=sum(int(entry.get("response_bytes") or 0) for entry in log),
        calls_by_type=dict(sorted(Counter(call_name(entry) for entry in log).items())),
        retrieved_by_type=dict(sorted(retrieved.items())),
        expected_exit=expected_exit,
    )
    if not step.ok:
        print(
            f"\n{size} {name}: exit {exit_code}, expected {expected_exit}\n{output[-3000:]}", file=sys.stderr
        )
    return step


def write_project(root: Path, base_url: str) -> None:
    (root / "mcstate.yaml").write_text(
        "definitions: definitions\n"
        "default_target: bench\n"
        "targets:\n"
        "  bench:\n"
        f"    auth_url: {base_url}\n"
        "    client_id: ${MC_CLIENT_ID}\n"
        "    client_secret: ${MC_CLIENT_SECRET}\n",
        encoding="utf-8",
    )


def bench_size(size: int, latency_ms: int, workdir: Path) -> tuple[list[Step], dict[str, int]]:
    root = workdir / f"account_{size}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    counts = write_definitions(root / "definitions", size)
    emulator = Emulator(root / "account.db", latency_ms)
    steps: list[Step] = []
    try:
        write_project(root, emulator.base_url)

        def step(name: str, args: list[str], expected_exit: int = 0) -> None:
            print(f"  {size:>6} DEs: {name} ...", end="", flush=True, file=sys.stderr)
            measured = measure_step(size, name, args, root, emulator, expected_exit)
            print(f" {measured.wall_s:.1f} s, {measured.calls} calls", file=sys.stderr)
            steps.append(measured)

        step("apply (first)", ["apply", "--auto-approve"])
        step("apply (second)", ["apply", "--auto-approve"])
        step("plan (no changes)", ["plan", "--detailed-exitcode"])
        changed = write_definitions(root / "definitions", size, changed=True)
        counts |= {name: number for name, number in changed.items() if name.endswith("changed")}
        step("plan (10 % changed)", ["plan", "--detailed-exitcode"], expected_exit=2)
        step("apply (10 % changed)", ["apply", "--auto-approve"])
    finally:
        emulator.stop()
    return steps, counts


def measure_startup(repeat: int = 5) -> dict[str, Any]:
    """Start-up of commands that need no account: wall time (best of `repeat`), whether zeep was imported
    and the slowest top-level imports (python -X importtime). For scale: a bare interpreter, and zeep."""
    project = Path(tempfile.mkdtemp(prefix="mcstate-bench-startup-"))
    try:
        (project / "mcstate.yaml").write_text(
            "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: local.db\n",
            encoding="utf-8",
        )
        write_definitions(project / "definitions", 100)
        commands = {
            "mcstate --help": [sys.executable, "-m", "mcstate", "--help"],
            "mcstate validate (100 DEs)": [sys.executable, "-m", "mcstate", "validate"],
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import zeep'": [sys.executable, "-c", "import zeep"],
            # What a command that calls an account pays before its first call: zeep and the parsed WSDL.
            "zeep + WSDL parsed": [
                sys.executable,
                "-c",
                "from mcstate.client.soap import _wsdl_document; _wsdl_document()",
            ],
        }
        results: dict[str, Any] = {}
        for name, command in commands.items():
            best = min(run_measured(command, project)[1] for _ in range(repeat))
            traced = subprocess.run(
                [command[0], "-X", "importtime", *command[1:]],
                cwd=project,
                capture_output=True,
                text=True,
                env={**os.environ, **ENVIRONMENT},
            ).stderr
            modules = _import_times(traced)
            slowest = sorted(
                ((module, cumulative) for module, (_, cumulative) in modules.items() if "." not in module),
                key=lambda item: -item[1],
            )[:6]
            results[name] = {
                "wall_s": round(best, 3),
                "imports_zeep": "zeep" in modules,
                "slowest_imports_ms": {module: round(micros / 1000, 1) for module, micros in slowest},
            }
        return results
    finally:
        shutil.rmtree(project, ignore_errors=True)


def _import_times(stderr: str) -> dict[str, tuple[int, int]]:
    """-X importtime lines → {module: (self µs, cumulative µs)}."""
    modules: dict[str, tuple[int, int]] = {}
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match:
            modules[match.group(4)] = (int(match.group(1)), int(match.group(2)))
    return modules


PAGE_SIZE = 2500
# The targets of issue 7 item 2, checked on the account of this many data extensions (and the largest).
TARGET_SIZE = 1000
TARGET_PLAN_SECONDS = 5.0
LARGE_SIZE = 10000
LARGE_PLAN_SECONDS = 30.0
LARGE_PLAN_MB = 1024.0
MAX_BATCH = 50
# The goals of issue 11 section 7 (a no-change plan at 150 ms per call).
GOAL_PLAN_SECONDS = 2.5
GOAL_PLAN_CALLS = 19
GOAL_LARGE_SECONDS = 15.0
GOAL_LARGE_MB = 450.0


def target_checks(steps: list[Step]) -> list[tuple[bool, str]]:
    """(met, description) for each target that the measured sizes allow checking."""
    checks: list[tuple[bool, str]] = []
    by_name = {(step.size, step.name): step for step in steps}
    plan = by_name.get((TARGET_SIZE, "plan (no changes)"))
    if plan is not None:
        kinds = sum(1 for name in plan.calls_by_type if name.startswith("Retrieve "))
        pages = plan.calls - 1 - kinds
        # Every Retrieve type may use as many calls as the pages its objects fill; DataExtension one more
        # (the lookup of the record of managed objects), DataFolder one more (the parent business unit's
        # shared folders, read with QueryAllAccounts).
        least = {
            name: max(1, -(-plan.retrieved_by_type.get(name.removeprefix("Retrieve "), 0) // PAGE_SIZE))
            + (1 if name in ("Retrieve DataExtension", "Retrieve DataFolder") else 0)
            for name in plan.calls_by_type
            if name.startswith("Retrieve ")
        }
        extra = {
            name: plan.calls_by_type[name] - least[name]
            for name in least
            if plan.calls_by_type[name] > least[name]
        }
        checks.append(
            (
                not extra,
                f"{TARGET_SIZE} DEs, plan without changes: {plan.calls} calls = 1 token + {kinds} kinds + "
                f"{pages} further pages; no type uses more calls than its pages"
                + (f" (too many: {extra})" if extra else ""),
            )
        )
        checks.append(
            (plan.wall_s < TARGET_PLAN_SECONDS, f"... and {plan.wall_s:.2f} s < {TARGET_PLAN_SECONDS:g} s")
        )
        checks.append(
            (
                plan.wall_s <= GOAL_PLAN_SECONDS and plan.calls <= GOAL_PLAN_CALLS,
                f"issue 11 goal: {TARGET_SIZE} DEs, plan without changes in {plan.wall_s:.2f} s "
                f"(<= {GOAL_PLAN_SECONDS:g} s) and {plan.calls} calls (<= {GOAL_PLAN_CALLS})",
            )
        )
    changed = by_name.get((TARGET_SIZE, "apply (10 % changed)"))
    if changed is not None:
        checks.append(
            (
                0 < changed.largest_write_batch <= MAX_BATCH,
                f"{TARGET_SIZE} DEs, apply of 10 % changed: {changed.write_calls} write calls of at most "
                f"{changed.largest_write_batch} objects ({changed.objects_written} objects, manifest rows "
                "included)",
            )
        )
    for size in sorted({step.size for step in steps}):
        second = by_name.get((size, "apply (second)"))
        if second is not None:
            checks.append(
                (second.write_calls == 0, f"{size} DEs, second apply: {second.write_calls} write calls")
            )
    large = by_name.get((LARGE_SIZE, "plan (no changes)"))
    if large is not None:
        checks.append(
            (
                large.wall_s < LARGE_PLAN_SECONDS and large.peak_mb < LARGE_PLAN_MB,
                f"{LARGE_SIZE} DEs, plan: {large.wall_s:.1f} s < {LARGE_PLAN_SECONDS:g} s and "
                f"{large.peak_mb:.0f} MB < {LARGE_PLAN_MB:g} MB",
            )
        )
        checks.append(
            (
                large.wall_s <= GOAL_LARGE_SECONDS and large.peak_mb < GOAL_LARGE_MB,
                f"issue 11 goal: {LARGE_SIZE} DEs, plan in {large.wall_s:.1f} s "
                f"(<= {GOAL_LARGE_SECONDS:g} s) and {large.peak_mb:.0f} MB (< {GOAL_LARGE_MB:g} MB)",
            )
        )
    return checks


def print_table(steps: list[Step]) -> None:
    header = (
        f"{'DEs':>6}  {'step':<21}{'exit':>5}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}{'calls':>7}"
        f"{'writes':>7}{'max/call':>9}{'objects':>8}{'KB sent':>9}{'KB recv':>9}"
    )
    print(header)
    print("-" * len(header))
    for step in steps:
        flag = "" if step.ok else " (!)"
        print(
            f"{step.size:>6}  {step.name:<21}{step.exit_code:>5}{step.wall_s:>8.2f}{step.cpu_s:>8.2f}"
            f"{step.peak_mb:>9.0f}{step.calls:>7}{step.write_calls:>7}{step.largest_write_batch:>9}"
            f"{step.objects_written:>8}{step.bytes_sent / 1024:>9.0f}{step.bytes_received / 1024:>9.0f}{flag}"
        )
    print()
    print("Calls by operation and object type:")
    for step in steps:
        calls = ", ".join(f"{name} ×{count}" for name, count in step.calls_by_type.items())
        print(f"{step.size:>6}  {step.name:<21}{calls}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100,1000,10000", help="numbers of data extensions, comma separated"
    )
    parser.add_argument("--latency-ms", type=int, default=150, help="delay of every emulator answer")
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "results" / "latest.json", help="JSON results"
    )
    parser.add_argument("--workdir", type=Path, help="where projects and accounts go (default: a temp dir)")
    parser.add_argument("--skip-startup", action="store_true", help="do not measure start-up")
    parser.add_argument("--skip-parsing", action="store_true", help="do not measure Retrieve parsing")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mcstate-bench-"))
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "latency_ms": args.latency_ms,
        "accounts": {},
        "steps": [],
    }
    all_steps: list[Step] = []
    try:
        for size in sizes:
            print(f"account of {size} data extensions", file=sys.stderr)
            steps, counts = bench_size(size, args.latency_ms, workdir)
            results["accounts"][str(size)] = counts
            all_steps += steps
            results["steps"] = [asdict(step) for step in all_steps]
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"latency {args.latency_ms} ms per call, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print_table(all_steps)
    checks = target_checks(all_steps)
    results["targets"] = [{"met": met, "target": text} for met, text in checks]
    if checks:
        print()
        print("Targets (issues 7 and 11):")
        for met, text in checks:
            print(f"  {'met    ' if met else 'MISSED '} {text}")
    if not args.skip_parsing:
        from parsing import measure_parsing

        results["parsing"] = measure_parsing()
        print()
        print("Retrieve parsing (DataExtensionField, 2500 objects per page):")
        for name, value in results["parsing"].items():
            print(f"  {name}: {value}")
    if not args.skip_startup:
        results["startup"] = measure_startup()
        print()
        print("Start-up (best of 5):")
        for name, value in results["startup"].items():
            print(f"  {name}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0 if all(step.ok for step in all_steps) else 1


if __name__ == "__main__":
    raise SystemExit(main())
