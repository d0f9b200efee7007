"""The command line: parses options, calls the engine, hands values to the views. Nothing else."""

from __future__ import annotations

import gc
import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcstate.errors import ApplyError, ConfigError, ConfigProblems, DefinitionError, McstateError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mcstate.client.account import AccountClient
    from mcstate.config import Project
    from mcstate.desired import DesiredState
    from mcstate.lock import LockInfo
    from mcstate.manifest import ManifestEntry
    from mcstate.plan import Plan
    from mcstate.selection import Selection

app = typer.Typer(
    help="Marketing Cloud configuration as code: validate, plan and apply definitions.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
emulator_app = typer.Typer(help="The local Marketing Cloud emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
files_app = typer.Typer(
    help="The target's file area: an emulator's folder, or the account's Enhanced FTP over SFTP.",
    no_args_is_help=True,
)
app.add_typer(files_app, name="files")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            _echo(f"mcstate {version('mcstate')}")
        except PackageNotFoundError:
            _echo("mcstate (not installed as a package)")
        raise typer.Exit(0)


@app.callback()
def global_options(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print mcstate's version and exit.", callback=_version, is_eager=True),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Log every request to the account and its answer on stderr, with the client secret, "
            "tokens and passwords redacted.",
        ),
    ] = False,
) -> None:
    # Imported only when asked for: plain runs and --help stay as light as before.
    if debug:
        from mcstate.client.debug_log import enable

        enable()


EXIT_CHANGES = 2


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


class PlanFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="mcstate.yaml to use (default: found from the current directory up)."),
]
TargetOption = Annotated[
    str | None, typer.Option("--target", help="Target from mcstate.yaml (default: default_target).")
]
TargetsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        help="KIND.KEY (repeatable): only this object and what it depends on. Any other value names the "
        "target from mcstate.yaml (default: default_target).",
        metavar="KIND.KEY|NAME",
    ),
]
PruneOption = Annotated[
    bool,
    typer.Option(
        "--prune",
        help="Delete objects mcstate applied earlier whose definition is gone (never one it did not create; "
        "destructive: apply also needs --allow-destructive).",
    ),
]
LockTimeoutOption = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        min=0,
        help="Seconds to wait for another apply or run holding the account's lock (0: fail at once).",
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="KIND.KEY (repeatable): leave this object, and what depends on it, out.",
        metavar="KIND.KEY",
    ),
]


def parse_targets(
    project: Project, values: list[str] | None, excludes: list[str] | None
) -> tuple[str | None, Selection]:
    """Split --target values into objects (KIND.KEY, the part before the first '.' a registered kind) and
    at most one target name from mcstate.yaml; --exclude values must all be objects."""
    from mcstate.resources import REGISTRY
    from mcstate.selection import Selection, parse_object_ref

    objects = []
    names = []
    for value in values or []:
        ref = parse_object_ref(value)
        if ref is not None:
            objects.append(ref)
        elif value in project.targets or "." not in value:
            names.append(value)
        else:
            kind = value.split(".", 1)[0]
            raise ConfigError(
                f"--target {value}: '{kind}' is not a kind ({', '.join(REGISTRY)}) and "
                f"{project.config_file.name} has no target named '{value}'"
            )
    if len(names) > 1:
        raise ConfigError(f"--target names more than one target from {project.config_file.name}: {names}")
    excluded = []
    for value in excludes or []:
        ref = parse_object_ref(value)
        if ref is None:
            raise ConfigError(
                f"--exclude {value}: expected KIND.KEY, e.g. DataExtension.nto_customers "
                f"(kinds: {', '.join(REGISTRY)})"
            )
        excluded.append(ref)
    return (names[0] if names else None), Selection(tuple(objects), tuple(excluded))


def _echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Everything mcstate prints goes out here: secrets redacted (a service message may quote a token), and
    control characters from definitions or the account escaped (only mcstate's own colour codes pass)."""
    from mcstate.client.debug_log import redact
    from mcstate.render.safe import printable
    from mcstate.render.text_view import COLOR_CODES

    allowed = COLOR_CODES if not err and _color() else ()
    typer.echo(printable(redact(str(message)), allowed), err=err, nl=nl)


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _project(config: Path | None):  # type: ignore[no-untyped-def]
    from mcstate.config import find_project

    return find_project(config=config)


@app.command()
def validate(
    config: ConfigOption = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="Check the definitions as this target sees them (its variables)."),
    ] = None,
    all_targets: Annotated[
        bool, typer.Option("--all-targets", help="Check the definitions as every target sees them.")
    ] = False,
) -> None:
    """Check the definitions (YAML, schemas, duplicates, rules) without contacting any account."""
    from mcstate import engine

    project = _project(config)
    if all_targets and target is not None:
        raise ConfigError("--target and --all-targets: give one of them")
    names = list(project.targets) if all_targets else [project.target(target).name]
    failures: list[McstateError] = []
    for name in names:
        try:
            desired = engine.load_desired(project, name)
        except McstateError as error:
            if not all_targets:
                raise
            failures.append(error)
            _echo(f"Target {name}: the definitions are not valid:\n{error}", err=True)
            continue
        declared = sum(1 for obj in desired if obj.document is not None)
        for warning in desired.warnings:
            _echo(f"warning: {warning}", err=True)
        where = f" for target {name}" if all_targets or target is not None else ""
        _echo(f"The definitions are valid{where}: {declared} object(s) in {project.definitions.name}/.")
    if failures:
        raise McstateError(f"the definitions are not valid for {len(failures)} of {len(names)} target(s)")


@app.command()
def plan(
    config: ConfigOption = None,
    target_values: TargetsOption = None,
    exclude: ExcludeOption = None,
    output_format: Annotated[PlanFormat, typer.Option("--format", help="Output format.")] = PlanFormat.text,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 0 without changes, 2 with changes, 1 on error.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Also save the plan (JSON) to FILE, for `mcstate apply FILE`.", metavar="FILE"
        ),
    ] = None,
    prune: PruneOption = False,
) -> None:
    """Compare the definitions with the account and show what apply would change."""
    from mcstate import engine
    from mcstate.connection import connect
    from mcstate.selection import limit_plan

    project = _project(config)
    target, selection = parse_targets(project, target_values, exclude)
    desired = engine.load_desired(project, target)
    # Hashed as loaded, before planning reads the account: apply FILE compares a fresh load with this.
    definitions = _definitions_hash(desired) if out is not None else ""
    chosen = project.target(target)
    result = limit_plan(
        engine.plan(desired, connect(project, chosen), chosen.name, prune=prune, saved=out is not None),
        selection,
        desired,
    )
    if out is not None:
        from mcstate.saved_plan import save_plan

        save_plan(out, result, definitions, project.variables_for(chosen.name).recorded())
        _echo(f"Saved the plan to {out}; apply exactly this plan with `mcstate apply {out}`.", err=True)
    _render(result, output_format)
    from mcstate.applier import check_protected

    # As Terraform does: a plan that destroys what prevent_destroy protects fails now, not at apply.
    check_protected(result, "planned")
    if detailed_exitcode and (not result.empty or result.to_forget):
        raise typer.Exit(EXIT_CHANGES)


def _definitions_hash(desired: DesiredState) -> str:
    from mcstate.saved_plan import definitions_hash

    return definitions_hash(desired)


def _render(result: Plan, output_format: PlanFormat) -> None:
    if output_format is PlanFormat.json:
        from mcstate.render.json_view import render_plan

        _echo(render_plan(result), nl=False)
    elif output_format is PlanFormat.markdown:
        from mcstate.render.markdown_view import render_plan as render_markdown

        _echo(render_markdown(result), nl=False)
    else:
        from mcstate.render.text_view import render_plan as render_text

        _echo(render_text(result, color=_color()), nl=False)


@app.command()
def show(
    plan_file: Annotated[Path, typer.Argument(help="A plan saved with `mcstate plan --out FILE`.")],
    output_format: Annotated[PlanFormat, typer.Option("--format", help="Output format.")] = PlanFormat.text,
) -> None:
    """Show a saved plan (no account or definitions needed)."""
    from mcstate.saved_plan import load_saved_plan

    _render(load_saved_plan(plan_file).plan, output_format)


@app.command()
def apply(
    plan_file: Annotated[
        Path | None,
        typer.Argument(
            help="Apply exactly this saved plan (`mcstate plan --out FILE`); refused when it is stale.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    target_values: TargetsOption = None,
    exclude: ExcludeOption = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking (for CI).")
    ] = False,
    allow_destructive: Annotated[
        bool, typer.Option("--allow-destructive", help="Carry out changes that lose data (see the plan).")
    ] = False,
    prune: PruneOption = False,
    lock_timeout: LockTimeoutOption = 0.0,
) -> None:
    """Make the account match the definitions: plan (or take a saved plan), confirm, write, then verify.
    Writes happen under the account's lock, on a plan made (or a saved plan checked) while holding it."""
    from mcstate import engine
    from mcstate.connection import connect
    from mcstate.lock import account_lock
    from mcstate.render.text_view import render_plan
    from mcstate.selection import limit_plan

    project = _project(config)
    target, selection = parse_targets(project, target_values, exclude)
    if plan_file is not None and selection.active:
        raise ConfigError("a saved plan is applied whole: give --target KIND.KEY and --exclude to plan --out")
    if plan_file is not None and prune:
        raise ConfigError("a saved plan is applied as it was made: give --prune to plan --out")
    if plan_file is not None and target is None:
        from mcstate.saved_plan import load_saved_plan

        # A saved plan is applied to the target it was made for, not the default one.
        target = load_saved_plan(plan_file).plan.target
    desired = engine.load_desired(project, target)
    chosen = project.target(target)
    client = connect(project, chosen)

    def make_plan(*, again: bool = False) -> tuple[Plan, Mapping[str, ManifestEntry]]:
        if plan_file is None:
            made, record = engine.plan_and_record(desired, client, chosen.name, prune=prune, saved=False)
            return limit_plan(made, selection, desired), record
        variables = project.variables_for(chosen.name).recorded()
        return _fresh_saved_plan(plan_file, desired, client, chosen.name, variables, quiet=again)

    # Nothing is locked to find out there is nothing to write (a second apply makes no write call) or that
    # a saved plan is stale. With something to write (objects, or the record of managed objects), the lock
    # is taken; when another apply held it, or ran meanwhile (the record of managed objects changed), the
    # plan is made (or the saved plan checked) again under the lock.
    result, record = make_plan()
    if result.empty and not result.unrecorded:
        _echo(render_plan(result, color=_color()), nl=False)
        return
    # What would be refused under the lock is refused before taking it (nothing written at all).
    _refuse_unconfirmable(result, auto_approve, allow_destructive)
    with account_lock(
        client,
        "apply",
        timeout=lock_timeout,
        target=chosen.name,
        on_wait=_waiting_for_lock,
        on_unreleased=_lock_not_released,
    ) as held:
        if held.contended or not engine.record_unchanged(client, record):
            result, _ = make_plan(again=True)
        _echo(render_plan(result, color=_color()), nl=False)
        if result.empty:
            _repair_record(result, desired, client)
            return
        _apply_confirmed(result, desired, client, chosen.name, auto_approve, allow_destructive)


def _waiting_for_lock(holder: LockInfo) -> None:
    _echo(f"Waiting for the account's lock: {holder.describe()} ...", err=True)


def _lock_not_released(lock: LockInfo, error: McstateError) -> None:
    # The work is done; only the lock is left behind. It expires, or is broken by its id.
    _echo(
        f"warning: {error}. It expires at {lock.expires_at}; `mcstate unlock {lock.lock_id}` breaks it now.",
        err=True,
    )


def _repair_record(result: Plan, desired: DesiredState, client: AccountClient) -> None:
    """Nothing to change; the record of managed objects may still miss objects an interrupted apply wrote
    (the account is the truth): it is repaired."""
    from mcstate import engine

    error = engine.repair_record(result, desired, client)
    if error is not None:
        raise _unrecorded(error)
    if result.unrecorded:
        _echo(f"Recorded {len(result.unrecorded)} object(s) that the record of managed objects missed.")


def _refuse_unconfirmable(result: Plan, auto_approve: bool, allow_destructive: bool) -> None:
    from mcstate.applier import check_allowed

    if result.empty:
        return
    check_allowed(result, allow_destructive)
    if not auto_approve and not sys.stdin.isatty():
        raise McstateError("not applying: pass --auto-approve to apply without a terminal to confirm on")


def _apply_confirmed(
    result: Plan,
    desired: DesiredState,
    client: AccountClient,
    target: str,
    auto_approve: bool,
    allow_destructive: bool,
) -> None:
    """Confirm a plan with changes, apply it, verify the account and report."""
    from mcstate import engine

    _refuse_unconfirmable(result, auto_approve, allow_destructive)
    if not auto_approve:
        answer = typer.prompt(f"Apply these changes to target {target!r}? Only 'yes' is accepted")
        if answer.strip() != "yes":
            _echo("Apply cancelled; nothing was changed.")
            raise typer.Exit(1)
    outcome = engine.apply(result, desired, client, allow_destructive=allow_destructive)
    report = outcome.report
    # The objects are written before the record of what mcstate manages; a failed record is reported too.
    unrecorded = [] if outcome.record_error is None else [_unrecorded(outcome.record_error)]
    if report.failures or report.skipped:
        skipped = [
            f"{c.kind} {c.key}: skipped because an object it depends on failed" for c in report.skipped
        ]
        raise ApplyError(
            f"apply failed for {len(report.failures)} object(s); "
            f"{len(report.applied)} change(s) were applied. Run plan to see what is left.",
            [*report.failures, *(McstateError(s) for s in skipped), *unrecorded],
        )
    if outcome.mismatches:
        raise ApplyError(
            "apply finished, but the account does not match the definitions for:",
            [
                *(
                    McstateError(f"{c.kind} {c.key}: {', '.join(a.path for a in c.attributes) or c.action}")
                    for c in outcome.mismatches
                ),
                *unrecorded,
            ],
        )
    if unrecorded:
        raise unrecorded[0]
    counts = result.summary()
    _echo(
        f"Apply complete: {counts['create']} created, {counts['update']} updated, "
        f"{counts['replace']} re-created, {counts['delete']} deleted."
    )


def _unrecorded(error: McstateError) -> McstateError:
    from mcstate.manifest import MANIFEST_KEY

    return McstateError(
        f"the objects were written, but the record of managed objects (data extension {MANIFEST_KEY}) was "
        f"not: {error}. --prune cannot delete objects this apply created until an apply that changes them "
        "records them."
    )


def _fresh_saved_plan(
    plan_file: Path,
    desired: DesiredState,
    client: AccountClient,
    target: str,
    variables: Mapping[str, Any],
    *,
    quiet: bool = False,
) -> tuple[Plan, Mapping[str, ManifestEntry]]:
    """The saved plan, once it is known to be for this target, its variables, these definitions and this
    account's state; refused (PlanRefused) before anything is written otherwise."""
    from mcstate import engine
    from mcstate.saved_plan import (
        check_account,
        check_definitions,
        check_target,
        check_variables,
        load_saved_plan,
    )

    saved = load_saved_plan(plan_file)
    check_target(saved, target)
    check_variables(saved, variables)
    check_definitions(saved, desired)
    live, managed = engine.read_account(desired, client)
    check_account(saved, live, managed, desired)
    if quiet:
        return saved.plan, managed
    _echo(
        f"Saved plan {plan_file}: the definitions and the {len(saved.plan.fingerprints)} account object(s) "
        "it read are unchanged."
    )
    return saved.plan, managed


class DriftFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def drift(
    config: ConfigOption = None,
    target_values: TargetsOption = None,
    exclude: ExcludeOption = None,
    output_format: Annotated[DriftFormat, typer.Option("--format", help="Output format.")] = DriftFormat.text,
    include_unmanaged: Annotated[
        bool,
        typer.Option(
            "--include-unmanaged",
            help="Also list objects in the folders the definitions use that no definition declares.",
        ),
    ] = False,
) -> None:
    """Report how the account differs from the definitions and which side changed.
    Exit 0 without drift, 2 with drift, 1 on error."""
    from mcstate import engine
    from mcstate.connection import connect
    from mcstate.drift import limit_drift
    from mcstate.render import drift_view

    project = _project(config)
    target, selection = parse_targets(project, target_values, exclude)
    desired = engine.load_desired(project, target)
    chosen = project.target(target)
    found = engine.drift(desired, connect(project, chosen), chosen.name, include_unmanaged=include_unmanaged)
    found = limit_drift(found, selection, desired)
    if output_format is DriftFormat.json:
        _echo(drift_view.render_json(found), nl=False)
    elif output_format is DriftFormat.markdown:
        _echo(drift_view.render_markdown(found), nl=False)
    else:
        _echo(drift_view.render_text(found), nl=False)
    if found.found:
        raise typer.Exit(EXIT_CHANGES)


@app.command()
def graph(
    config: ConfigOption = None,
    target: TargetOption = None,
    output_format: Annotated[
        GraphFormat, typer.Option("--format", help="Output format.")
    ] = GraphFormat.mermaid,
    kinds: Annotated[
        list[str] | None, typer.Option("--kind", help="Only what feeds or is fed by objects of this kind.")
    ] = None,
    keys: Annotated[
        list[str] | None, typer.Option("--key", help="Only what feeds or is fed by the object with this key.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="The definitions only: do not read the account.")
    ] = False,
) -> None:
    """The lineage of the project: files, imports, data extensions, queries (column by column), filters,
    extracts, file transfers and automations, from the definitions and the account."""
    from mcstate import engine
    from mcstate.lineage import around, build_lineage
    from mcstate.render import graph_view
    from mcstate.retrieve import kind_names

    project = _project(config)
    desired = engine.load_desired(project, target)
    chosen_kinds = kind_names(kinds or ())
    live = None
    if not offline:
        from mcstate.connection import connect

        live = engine.read_live(connect(project, project.target(target)), desired)
    lineage = around(build_lineage(desired, live), chosen_kinds, tuple(keys or ()))
    if (chosen_kinds or keys) and not lineage.nodes:
        chosen = [*(f"--kind {kind}" for kind in chosen_kinds), *(f"--key {key}" for key in keys or ())]
        raise ConfigError(f"{' '.join(chosen)}: no object of the lineage matches")
    renderers = {
        GraphFormat.mermaid: graph_view.render_mermaid,
        GraphFormat.dot: graph_view.render_dot,
        GraphFormat.json: graph_view.render_json,
    }
    _echo(renderers[output_format](lineage), nl=False)


@app.command()
def retrieve(
    config: ConfigOption = None,
    target: TargetOption = None,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only this kind (repeatable), e.g. DataExtension.", metavar="KIND"),
    ] = None,
    keys: Annotated[
        list[str] | None,
        typer.Option("--key", help="Only the object with this key (repeatable).", metavar="KEY"),
    ] = None,
    folder: Annotated[
        str | None,
        typer.Option(
            "--folder",
            help="Only objects in this folder or below it, e.g. 'Data Extensions/CRM'.",
            metavar="PATH",
        ),
    ] = None,
    like: Annotated[
        str | None,
        typer.Option(
            "--like",
            help="Only objects whose key or name matches this SQL LIKE pattern (% any text, _ one "
            "character).",
            metavar="PATTERN",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the files here (default: the project's definitions folder).", metavar="DIR"
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Rewrite the definitions of objects that already have one.")
    ] = False,
) -> None:
    """Write definitions for what the account already has: one YAML file per object, by kind and folder."""
    from mcstate.connection import connect
    from mcstate.render.progress import ReadProgress
    from mcstate.render.retrieve_view import cannot_manage_lines, summary_table
    from mcstate.retrieve import RetrieveOptions, load_existing
    from mcstate.retrieve import retrieve as retrieve_definitions

    project = _project(config)
    destination = out if out is not None else project.definitions
    schemas = project.root / "schemas"
    options = RetrieveOptions(
        out=destination,
        kinds=tuple(kinds or ()),
        keys=tuple(keys or ()),
        folder=folder,
        like=like,
        overwrite=overwrite,
        schemas_dir=schemas if schemas.is_dir() else None,
    )
    existing = load_existing(project.definitions, destination)
    client = connect(project, project.target(target))
    with ReadProgress() as progress:
        result = retrieve_definitions(progress.counting(client), options, existing, progress=progress.kind)
    for path, text in result.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    for written in result.written:
        _echo(f"{'~' if written.rewritten else '+'} {written.kind} {written.key}: {_shown(written.path)}")
    _echo(summary_table(result), nl=False)
    unrepresented = len(result.unrepresentable)
    _echo(
        f"Retrieve complete: wrote {len(result.files)} file(s), skipped {len(result.skipped)} (already "
        f"defined{'; --overwrite rewrites them' if result.skipped else ''}), could not represent "
        f"{unrepresented}{':' if unrepresented else '.'}"
    )
    for item in result.unrepresentable:
        _echo(f"  {item.kind} {item.key}: {item.reason}")
    for line in cannot_manage_lines(result):
        _echo(line)
    for note in result.notes:
        _echo(f"Note: {note}")


def _shown(path: Path) -> str:
    """A path relative to the current directory when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class RunFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("run")
def run_command(
    activities: Annotated[
        list[str],
        typer.Argument(
            help="Activities to start, in order, as KIND.KEY (ImportDefinition, QueryDefinition, "
            "FilterActivity, DataExtract, FileTransfer, Automation).",
            metavar="KIND.KEY...",
        ),
    ],
    config: ConfigOption = None,
    target: TargetOption = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Start each activity and do not wait for it.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, help="Longest wait for one activity, in seconds.")
    ] = 3600.0,
    output_format: Annotated[RunFormat, typer.Option("--format", help="Output format.")] = RunFormat.text,
    again: Annotated[
        bool,
        typer.Option(
            "--again", help="Import a file again although this import already imported it (add-only imports)."
        ),
    ] = False,
    lock_timeout: LockTimeoutOption = 0.0,
) -> None:
    """Start activities on the target with the service's own calls, wait for each, and report how it
    ended (exit 0 when every one completed, 1 otherwise)."""
    from mcstate import engine
    from mcstate.connection import connect
    from mcstate.files import file_area
    from mcstate.import_record import ImportGuard
    from mcstate.lock import account_lock
    from mcstate.render import run_view
    from mcstate.runner import Runner, parse_activity

    chosen = [parse_activity(text) for text in activities]
    project = _project(config)
    chosen_target = project.target(target)
    client = connect(project, chosen_target)
    guard = None
    if any(kind == "ImportDefinition" for kind, _ in chosen):
        try:
            area = file_area(project, chosen_target)
        except ConfigError:
            area = None  # no way to see the file: the service imports it, unchecked
        try:
            desired = engine.load_desired(project, chosen_target.name)
        except McstateError as error:
            # The run does not need the definitions; only the re-import check does, and it is then skipped.
            _echo(f"warning: the definitions cannot be read ({type(error).__name__}); files are not checked "
                  "against the record of imported files", err=True)  # fmt: skip
        else:
            guard = ImportGuard(client, desired, area, again=again)
    runner = Runner(client, timeout=timeout, guard=guard)
    # An activity run while an apply changes what it reads or writes would mix both: one at a time.
    with account_lock(
        client,
        "run",
        timeout=lock_timeout,
        target=chosen_target.name,
        on_wait=_waiting_for_lock,
        on_unreleased=_lock_not_released,
    ):
        if sys.stderr.isatty() and not no_wait:
            from rich.console import Console

            with Console(stderr=True).status("Starting ...") as progress:
                runs = runner.run_all(
                    chosen,
                    on_start=lambda kind, key: progress.update(
                        f"Running {kind}.{key} (waiting for the service) ..."
                    ),
                )
        else:
            runs = runner.run_all(chosen, wait=not no_wait)
    render = run_view.render_json if output_format == RunFormat.json else run_view.render_text
    _echo(render(runs), nl=False)
    finished = all(run.status == "started" for run in runs) if no_wait else all(run.ok for run in runs)
    if not finished:
        raise typer.Exit(1)


class RowsFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command("rows")
def rows_command(
    key: Annotated[str, typer.Argument(help="The data extension's key.", metavar="DE_KEY")],
    config: ConfigOption = None,
    target: TargetOption = None,
    limit: Annotated[int | None, typer.Option("--limit", min=0, help="At most this many rows.")] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            help="Only rows whose FIELD equals VALUE (repeatable: all must hold).",
            metavar="FIELD=VALUE",
        ),
    ] = None,
    output_format: Annotated[RowsFormat, typer.Option("--format", help="Output format.")] = RowsFormat.table,
) -> None:
    """The rows of a data extension, read through the service's Retrieve of DataExtensionObject."""
    from mcstate.connection import connect
    from mcstate.render import rows_view
    from mcstate.rows import parse_where, read_rows

    conditions = parse_where(where or [])
    project = _project(config)
    result = read_rows(connect(project, project.target(target)), key, conditions, limit)
    renderers = {
        RowsFormat.table: rows_view.render_table,
        RowsFormat.csv: rows_view.render_csv,
        RowsFormat.json: rows_view.render_json,
    }
    _echo(renderers[output_format](result), nl=False)


@app.command("test")
def test_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Test files or folders (default: the project's tests folder).", metavar="[PATH]..."
        ),
    ] = None,
    config: ConfigOption = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write the results as JUnit XML.")
    ] = None,
) -> None:
    """Run the project's integration tests (*.test.yaml), each on a fresh embedded emulator: the
    definitions applied, the given loaded, the run made, the expectations compared."""
    from mcstate import engine
    from mcstate.itest.model import load_tests
    from mcstate.itest.run import run_test
    from mcstate.render import test_view

    project = _project(config)
    tests = load_tests(project, paths or [])
    desired = engine.load_desired(project)
    results = []
    for test in tests:
        results.append(run_test(desired, test))
    _echo(test_view.render_text(results), nl=False)
    if junit is not None:
        try:
            junit.write_text(test_view.render_junit(results), encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"--junit {junit}: cannot write: {error.strerror or error}") from None
    if any(not result.passed for result in results):
        raise typer.Exit(1)


def _file_area(config: Path | None, target: str | None):  # type: ignore[no-untyped-def]
    from mcstate.files import file_area

    project = _project(config)
    return file_area(project, project.target(target))


@files_app.command("list")
def files_list(
    folder: Annotated[str, typer.Argument(help="A folder of the file area (default: its top).")] = ".",
    config: ConfigOption = None,
    target: TargetOption = None,
) -> None:
    """List a folder of the file area (Import/, Export/, ...)."""
    from mcstate.render.safe import printable

    for entry in _file_area(config, target).list(folder):
        _echo(printable(f"{entry.path}/" if entry.is_folder else f"{entry.path}  {entry.size} bytes"))


@files_app.command("put")
def files_put(
    local: Annotated[Path, typer.Argument(help="The file to upload.", metavar="LOCAL")],
    folder: Annotated[
        str, typer.Argument(help="The folder it goes to (default: Import).", metavar="DIR")
    ] = "Import",
    config: ConfigOption = None,
    target: TargetOption = None,
) -> None:
    """Put a local file into a folder of the file area (by default Import/, where imports read)."""
    if not local.is_file():
        raise ConfigError(f"{local}: no such file")
    written = _file_area(config, target).put(local, folder)
    _echo(f"Put {local} into {written} ({local.stat().st_size} bytes).")


@files_app.command("get")
def files_get(
    path: Annotated[
        str, typer.Argument(help="The file in the file area, e.g. Export/x.csv.", metavar="PATH")
    ],
    local: Annotated[
        Path | None, typer.Argument(help="Where to write it (default: its name, here).", metavar="LOCAL")
    ] = None,
    config: ConfigOption = None,
    target: TargetOption = None,
) -> None:
    """Copy a file of the file area to a local file."""
    content = _file_area(config, target).get(path)
    destination = local if local is not None else Path(Path(path).name)
    if destination.is_dir():
        destination = destination / Path(path).name
    try:
        destination.write_bytes(content)
    except OSError as error:
        raise ConfigError(f"{destination}: cannot write: {error.strerror or error}") from None
    _echo(f"Got {path} into {destination} ({len(content)} bytes).")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Where the new project goes (default: here).")] = Path("."),
    ci: Annotated[
        str | None,
        typer.Option(
            "--ci",
            help="Also write the CI workflows of this system (github: plan, apply and drift under "
            ".github/workflows); in an existing project, only those.",
            metavar="github",
        ),
    ] = None,
) -> None:
    """Start a new project: mcstate.yaml (the embedded emulator as target), a first definition and test,
    the JSON Schemas for editors, and .gitignore (and the CI workflows with --ci github)."""
    from mcstate.init import init_project

    written = init_project(folder, ci)
    for path in written:
        if path.parent.name != "schemas":
            _echo(f"  wrote {path}")
    schemas = sum(1 for path in written if path.parent.name == "schemas")
    if schemas:
        _echo(f"  wrote {schemas} JSON Schemas into {folder / 'schemas'}")
    if ci is not None:
        _echo("  the workflows run once the repository variable MCSTATE_TARGET names a target (docs/ci.md)")
    _echo(f"Next: cd {folder} && mcstate plan   (then mcstate apply, mcstate test)")


@app.command("diff")
def diff_command(
    target: Annotated[str, typer.Option("--target", help="The first account (a target of mcstate.yaml).")],
    against: Annotated[str, typer.Option("--against", help="The account to compare it with (a target).")],
    config: ConfigOption = None,
    output_format: Annotated[DriftFormat, typer.Option("--format", help="Output format.")] = DriftFormat.text,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only objects of this kind (repeatable).", metavar="KIND"),
    ] = None,
) -> None:
    """Compare two accounts (business units) object by object, matched by key: what differs, what only one
    side has, and which differences the definitions would remove on each side. Exit 0 same, 2 different."""
    from mcstate import engine
    from mcstate.compare import Side, compare
    from mcstate.connection import connect
    from mcstate.manifest import read_manifest
    from mcstate.render import compare_view
    from mcstate.retrieve import kind_names

    project = _project(config)
    chosen_kinds = kind_names(kinds or ())
    # Both targets' definitions are checked before either account is read.
    chosen = [project.target(name) for name in (target, against)]
    desired = [engine.load_desired(project, side.name) for side in chosen]
    sides = []
    for side, wanted in zip(chosen, desired, strict=True):
        client = connect(project, side)
        # Everything the account has, not only what the definitions name: a diff is about the accounts.
        sides.append(Side(side.name, engine.read_live(client), read_manifest(client), wanted))
    comparison = compare(sides[0], sides[1], chosen_kinds)
    render = {
        DriftFormat.text: compare_view.render_text,
        DriftFormat.markdown: compare_view.render_markdown,
        DriftFormat.json: compare_view.render_json,
    }[output_format]
    _echo(render(comparison), nl=False)
    if not comparison.same:
        raise typer.Exit(EXIT_CHANGES)


@app.command("fmt")
def fmt_command(
    config: ConfigOption = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; exit 1 when a file is not in canonical form (for CI)."),
    ] = False,
) -> None:
    """Rewrite the definitions files in canonical form (attribute order, layout, quoting: the form
    `retrieve` writes); only the layout changes, never a value."""
    from mcstate.definitions.loader import load_documents
    from mcstate.fmt import format_files
    from mcstate.resources import declarable

    project = _project(config)
    # Every definition, whichever targets it is for; formatted as written, before any variable is replaced.
    variables = project.variables_for(keep_all=True)
    documents = load_documents(
        project.definitions, declarable(), project_root=project.root, variables=variables
    )
    results = format_files(documents, Path.cwd())
    changed = [result for result in results if result.changed]
    for result in results:
        if result.skipped:
            _echo(f"warning: {_shown(result.path)} is left as it is: {result.skipped}", err=True)
        elif result.changed and check:
            _echo(f"would reformat {_shown(result.path)}")
        elif result.changed and result.formatted is not None:
            result.path.write_text(result.formatted, encoding="utf-8")
            _echo(f"reformatted {_shown(result.path)}")
    unchanged = len(results) - len(changed)
    verb = "would be reformatted" if check else "reformatted"
    _echo(f"{len(changed)} file(s) {verb}, {unchanged} already in canonical form.")
    if check and changed:
        raise typer.Exit(1)


@app.command()
def unlock(
    lock_id: Annotated[str, typer.Argument(help="The lock id the error of a waiting apply or run named.")],
    config: ConfigOption = None,
    target: TargetOption = None,
) -> None:
    """Break the account's lock left by an apply or run that died (only the lock with this id)."""
    from mcstate.connection import connect
    from mcstate.lock import unlock as break_lock

    project = _project(config)
    chosen = project.target(target)
    broken = break_lock(connect(project, chosen), lock_id)
    _echo(f"Unlocked target {chosen.name!r}: the lock of {broken.describe()} is gone.")


@app.command()
def status(config: ConfigOption = None, target: TargetOption = None) -> None:
    """Check the credentials and the account's availability (GetSystemStatus)."""
    from mcstate.connection import connect

    project = _project(config)
    chosen = project.target(target)
    client = connect(project, chosen)
    system_status, message = client.system_status()
    detail = f": {message}" if message else ""
    _echo(f"Target {chosen.name}: authenticated; system status {system_status}{detail}")
    if system_status != "OK":
        raise typer.Exit(1)


@emulator_app.command("serve")
def emulator_serve(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0 picks a free one).")] = 8399,
    db: Annotated[Path, typer.Option(help="SQLite file holding the emulated account.")] = Path(
        ".mcstate/local.db"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    client_id: Annotated[
        str | None, typer.Option(help="Accept only this client id.", envvar="MCSTATE_EMULATOR_CLIENT_ID")
    ] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(
            help="Accept only this client secret (from the environment, it stays out of process listings).",
            envvar="MCSTATE_EMULATOR_CLIENT_SECRET",
        ),
    ] = None,
    faults: Annotated[
        Path | None,
        typer.Option(
            "--faults",
            help="Fault profile (YAML) to play: errors, resets, delays by operation and object type (see "
            "README, Reliability).",
            metavar="PROFILE.yaml",
        ),
    ] = None,
    fault_rate: Annotated[
        float | None,
        typer.Option(
            "--fault-rate",
            help="Share of all calls (0-1) answered with a transient fault: server fault, rate limit, "
            "partial batch, connection reset before or after the write, expired token.",
        ),
    ] = None,
    fault_seed: Annotated[
        int | None, typer.Option("--fault-seed", help="Seed of the fault draws (same seed, same faults).")
    ] = None,
    latency_ms: Annotated[
        int | None, typer.Option("--latency-ms", help="Delay every answer by this many milliseconds.")
    ] = None,
    files: Annotated[
        Path | None,
        typer.Option(help="The account's file area (Import/, Export/, Safehouse/). Default: beside --db."),
    ] = None,
    sftp_port: Annotated[
        int | None,
        typer.Option(
            "--sftp-port", min=0, max=65535, help="Also serve the file area over SFTP on this port (0: any)."
        ),
    ] = None,
    sftp_user: Annotated[str, typer.Option("--sftp-user", help="The SFTP user name.")] = "mcstate",
    clock_at: Annotated[
        str | None,
        typer.Option(
            "--clock",
            help="Set the account's clock to this moment (ISO 8601, the service's time) and keep it there; "
            "move it with PUT /_emulator/clock.",
            metavar="YYYY-MM-DDThh:mm:ss",
        ),
    ] = None,
    sftp_password: Annotated[
        str | None,
        typer.Option(
            "--sftp-password",
            help="The SFTP password (from the environment; without it one is made and printed at start).",
            envvar="MCSTATE_EMULATOR_SFTP_PASSWORD",
        ),
    ] = None,
) -> None:
    """Serve the emulated Marketing Cloud SOAP endpoint and /v2/token over HTTP, and its file area over
    SFTP with --sftp-port."""
    import secrets

    from mcstate.emulator.faults import NO_FAULTS, ProfileError, load_profile, with_options
    from mcstate.emulator.files import FileArea, default_files_path
    from mcstate.emulator.server import serve

    try:
        profile = load_profile(faults) if faults is not None else NO_FAULTS
        profile = with_options(profile, seed=fault_seed, latency_ms=latency_ms, fault_rate=fault_rate)
    except ProfileError as error:
        raise ConfigError(str(error)) from None
    moment = None
    if clock_at is not None:
        from mcstate.emulator.run.clock import parse_moment

        try:
            moment = parse_moment(clock_at)
        except ValueError:
            raise ConfigError(
                f"--clock {clock_at}: not an ISO 8601 moment (e.g. 2026-01-05T02:00:00)"
            ) from None
    folder = files if files is not None else default_files_path(db)
    try:
        area = FileArea(folder)
    except OSError as error:
        raise ConfigError(f"--files {folder}: cannot be the file area: {error.strerror or error}") from None
    service = None
    if sftp_port is not None:
        from mcstate.emulator.sftp import start_sftp

        password = sftp_password or secrets.token_urlsafe(12)
        try:
            service = start_sftp(area.root, host, sftp_port, sftp_user, password)
        except OSError as error:
            raise ConfigError(
                f"--sftp-port {sftp_port}: cannot serve SFTP: {error.strerror or error}"
            ) from None
        _echo(
            f"mcstate emulator SFTP on sftp://{sftp_user}@{service.host}:{service.port}/ (files: {area.root})"
        )
        _echo(f"  host key {service.fingerprint}")
        if not sftp_password:
            _echo(
                f"  password {password} (made for this run; set MCSTATE_EMULATOR_SFTP_PASSWORD to choose one)"
            )
    try:
        serve(
            db,
            host,
            port,
            clock_at=moment,
            client_id=client_id,
            client_secret=client_secret,
            faults=profile,
            files=area.root,
        )
    except OSError as error:
        raise ConfigError(f"--port {port}: cannot serve HTTP: {error.strerror or error}") from None
    finally:
        if service is not None:
            service.stop()


@emulator_app.command("reset")
def emulator_reset(
    db: Annotated[Path, typer.Option(help="SQLite file holding the emulated account.")] = Path(
        ".mcstate/local.db"
    ),
) -> None:
    """Empty the emulated account (back to a fresh tenant); every business unit of an enterprise."""
    from mcstate.emulator.enterprise import reset_enterprise

    units = reset_enterprise(db)
    also = f" (and its {units - 1} child business unit(s))" if units > 1 else ""
    _echo(f"Emulator account in {db}{also} reset.")


@emulator_app.command("seed")
def emulator_seed(
    db: Annotated[Path, typer.Option(help="SQLite file holding the emulated account.")] = Path(
        ".mcstate/local.db"
    ),
    seed: Annotated[int, typer.Option(help="The same seed gives the same account.")] = 5,
    size: Annotated[
        int, typer.Option(help="Data extensions beyond the fixed catalogue; the other kinds in proportion.")
    ] = 100,
    business_units: Annotated[
        int,
        typer.Option(
            "--business-units",
            min=0,
            help="Make the account the parent of an enterprise with this many child business units "
            "(MIDs 100000002, 100000003, ...), generated alike; the parent's shared data extensions are "
            "read from the children with ENT.",
        ),
    ] = 0,
) -> None:
    """Replace the emulated account with a generated, realistic one: every kind, odd names, deep folders,
    and objects mcstate cannot manage (system, shared and synchronized data extensions)."""
    from mcstate.emulator import rules
    from mcstate.emulator.generate import seed_account

    report = seed_account(db, seed=seed, size=size, business_units=business_units)
    counts = ", ".join(f"{count} {kind}" for kind, count in report.counts.items())
    _echo(f"Emulator account in {db} seeded (seed {seed}, size {size}): {report.total} objects: {counts}.")
    if report.business_units:
        _echo(f"It is the parent business unit (MID {rules.ACCOUNT_MID}) of:")
    for mid, name, child in report.business_units:
        _echo(f"  {name}: MID {mid}, {child.total} objects (select it with account_id: {mid})")


def _debug_first(args: list[str]) -> list[str]:
    """`--debug` is an option of mcstate itself; accepted after the command too (`mcstate plan --debug`),
    where people naturally add it, by moving it to the front."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(arg for index, arg in enumerate(args) if index >= end or arg != "--debug")]


def main() -> None:
    """Entry point: usage errors are typer's; the project's own errors become one message and exit 1."""
    # Click exits 2 on a usage error (unknown option, bad value), the code that means "changes present" to
    # plan --detailed-exitcode and "drift found" to drift: a typo in a CI job must read as a failure. Typer
    # may bundle its own click, so the class is found from the public BadParameter, one of its subclasses.
    # A command builds hundreds of thousands of small objects that live until it ends: collecting the
    # youngest generation every 700 allocations spent about a quarter of a large plan's CPU for nothing.
    gc.set_threshold(100_000, 50, 100)
    usage_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    usage_error.exit_code = 1  # type: ignore[misc]
    try:
        app(args=_debug_first(sys.argv[1:]))
    except DefinitionError as exc:
        for problem in exc.problems:
            _echo(str(problem), err=True)
        _echo(f"Error: {len(exc.problems)} problem(s) in the definitions; nothing was sent.", err=True)
        sys.exit(exc.exit_code)
    except ConfigProblems as exc:
        for problem in exc.problems:
            _echo(str(problem), err=True)
        _echo(f"Error: {len(exc.problems)} problem(s) in the project file; nothing was sent.", err=True)
        sys.exit(exc.exit_code)
    except McstateError as exc:
        _echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _echo("Interrupted.", err=True)
        sys.exit(130)


def run() -> None:
    """The `mcstate` command: main(), then out of the process at once. A large plan leaves hundreds of
    thousands of objects that Python would free one by one on its way out (3 s of a 10,000-data-extension
    plan) although the process ends anyway. Everything is written and closed by then: output is flushed
    here, the embedded emulator commits each write, worker threads have been joined."""
    code = 0
    try:
        main()
    except SystemExit as done:
        if isinstance(done.code, int) or done.code is None:
            code = done.code or 0
        else:
            print(done.code, file=sys.stderr)
            code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            code = code or 1
    os._exit(code)
