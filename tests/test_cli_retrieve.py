"""`mcstate retrieve` through the real CLI, against `mcstate emulator serve`: adopting an account that the
repository's example definitions were applied to, from a fresh project."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mcstate.config import find_project
from mcstate.connection import connect
from mcstate.resources.base import SoapObject
from tests.conftest import CLIENT_ID, CLIENT_SECRET, Project

REPOSITORY = Path(__file__).resolve().parent.parent
EXAMPLE_OBJECTS = 22  # the example's 2 folders, 7 data extensions, 12 activities and automations, and
# the account's own SFTP file location once retrieved


@pytest.fixture
def adopted(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A fresh project, without definitions, whose target is an account the example was applied to."""
    shutil.rmtree(project.root / "definitions")
    shutil.copytree(REPOSITORY / "definitions", project.root / "definitions")
    applied = project.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    fresh = Project(tmp_path_factory.mktemp("adopt"), project.emulator)
    shutil.copy(project.root / "mcstate.yaml", fresh.root / "mcstate.yaml")
    return fresh


def tree(root: Path) -> dict[str, str]:
    """Every file below root with its text; of the schema comment only the schema's name (the path to it
    depends on where root is)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if text.startswith("# yaml-language-server: $schema="):
                first, rest = text.split("\n", 1)
                text = first.rsplit("/", 1)[1] + "\n" + rest
            files[path.relative_to(root).as_posix()] = text
    return files


def test_retrieve_then_plan_shows_no_changes(adopted: Project) -> None:
    result = adopted.run("retrieve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Retrieve complete: wrote 24 file(s), skipped 0 (already defined), could not represent 0."
    )
    assert (
        "+ DataExtension nto_customers: definitions/data_extensions/CRM/nto_customers.yaml" in result.stdout
    )
    written = tree(adopted.root / "definitions")
    assert set(written) == {
        "file_locations/crm_sftp.yaml",
        "folders/data_extensions/CRM.yaml",
        "folders/data_extensions/Segments.yaml",
        "data_extensions/CRM/nto_customers.yaml",
        "data_extensions/CRM/Newsletter/nto_newsletter_subscribers.yaml",
        "data_extensions/Engagement/nto_email_engagement.yaml",
        "data_extensions/Events/nto_event_registrations.yaml",
        "data_extensions/Segments/nto_subscribers_by_region.yaml",
        "data_extensions/Segments/nto_did_not_open_segment.yaml",
        "data_extensions/Segments/nto_survey_responders_segment.yaml",
        "imports/nto_import_crm_customers.yaml",
        "queries/Tracking/nto_email_engagement_from_tracking.yaml",
        "queries/Tracking/nto_email_engagement_from_tracking.sql",
        "queries/Segments/nto_segment_subscribers_by_region.yaml",
        "queries/Segments/nto_segment_subscribers_by_region.sql",
        "filters/Engagement/nto_did_not_open.yaml",
        "filters/Engagement/nto_survey_responders.yaml",
        "filter_activities/Engagement/nto_did_not_open_nightly.yaml",
        "filter_activities/Engagement/nto_survey_responders_nightly.yaml",
        "extracts/nto_customers_extract.yaml",
        "extracts/nto_engagement_extract.yaml",
        "file_transfers/nto_customers_to_ftp.yaml",
        "file_transfers/nto_engagement_to_ftp.yaml",
        "automations/CRM/nto_nightly_crm_sync.yaml",
    }
    # The manifest mcstate keeps in the account is never retrieved.
    assert not any("mcstate_managed_objects" in text for text in written.values())
    assert written["queries/Segments/nto_segment_subscribers_by_region.sql"] == (
        REPOSITORY / "definitions/queries/subscribers_by_region.sql"
    ).read_text(encoding="utf-8")

    adopted.emulator.clear_log()
    plan = adopted.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    assert adopted.run("apply", "--auto-approve").returncode == 0
    # Only the manifest learns of the retrieved file location (rows of mcstate_managed_objects).
    assert [e for e in adopted.emulator.writes() if "DataExtensionObject" not in str(e)] == []


def test_a_second_retrieve_skips_everything_and_overwrite_rewrites(adopted: Project) -> None:
    assert adopted.run("retrieve").returncode == 0
    first = tree(adopted.root / "definitions")

    again = adopted.run("retrieve")
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert lines[-1] == (
        f"Retrieve complete: wrote 0 file(s), skipped {EXAMPLE_OBJECTS} (already defined; --overwrite "
        "rewrites them), could not represent 0."
    )
    assert not [line for line in lines if line[:2] in ("+ ", "~ ")]
    # The counts per kind come before: retrieved, skipped, not representable, cannot manage.
    assert re.fullmatch(rf"Total +0 +{EXAMPLE_OBJECTS} +0 +0", lines[-2])
    assert tree(adopted.root / "definitions") == first

    customers = adopted.root / "definitions/data_extensions/CRM/nto_customers.yaml"
    customers.write_text(customers.read_text().replace("name: NTO Customers", "name: Renamed here"))
    (adopted.root / "definitions/imports/nto_import_crm_customers.yaml").unlink()
    # The renamed data extension is one a query reads by name: the plan is refused, naming the query.
    renamed = adopted.run("plan", "--detailed-exitcode")
    assert renamed.returncode == 1
    assert "query 'nto_segment_subscribers_by_region': table 'NTO Customers'" in renamed.stderr

    overwritten = adopted.run("retrieve", "--overwrite")
    assert overwritten.returncode == 0, overwritten.stderr
    assert (
        "~ DataExtension nto_customers: definitions/data_extensions/CRM/nto_customers.yaml"
        in overwritten.stdout
    )
    assert "+ ImportDefinition nto_import_crm_customers: definitions/imports/" in overwritten.stdout
    assert "wrote 24 file(s), skipped 0 (already defined)" in overwritten.stdout
    assert tree(adopted.root / "definitions") == first
    assert adopted.run("plan", "--detailed-exitcode").returncode == 0


def test_file_names_and_texts_are_the_same_on_every_run(adopted: Project) -> None:
    assert adopted.run("retrieve", "--out", "one").returncode == 0
    assert (
        adopted.run("retrieve", "--out", "two", "--kind", "QueryDefinition", "--kind", "folders").returncode
        == 0
    )
    one, two = tree(adopted.root / "one"), tree(adopted.root / "two")
    assert set(two) == {name for name in one if name.startswith(("queries/", "folders/"))}
    assert all(two[name] == one[name] for name in two)


@pytest.mark.parametrize(
    ("arguments", "keys"),
    [
        (("--kind", "DataExtension"), {
            "nto_customers", "nto_newsletter_subscribers", "nto_email_engagement", "nto_event_registrations",
            "nto_subscribers_by_region", "nto_did_not_open_segment", "nto_survey_responders_segment",
        }),
        (("--key", "nto_customers", "--key", "NTO_DID_NOT_OPEN"), {"nto_customers", "nto_did_not_open"}),
        (("--folder", "Data Extensions/CRM"), {
            "Data Extensions/CRM", "nto_customers", "nto_newsletter_subscribers",
        }),
        (("--folder", "my automations"), {"nto_nightly_crm_sync"}),
        (("--like", "%engagement%"), {
            "nto_email_engagement", "nto_email_engagement_from_tracking", "nto_engagement_extract",
            "nto_engagement_to_ftp",
        }),
        (("--like", "NTO %", "--kind", "FilterDefinition"), set()),
        (("--like", "Segment%"), {"Data Extensions/Segments", "nto_segment_subscribers_by_region"}),
        (("--kind", "extracts", "--like", "%crm%"), {"nto_customers_extract", "nto_engagement_extract"}),
    ],
)  # fmt: skip
def test_retrieve_selects_by_kind_key_folder_and_pattern(
    adopted: Project, arguments: tuple[str, ...], keys: set[str]
) -> None:
    result = adopted.run("retrieve", "--out", "selected", *arguments)
    assert result.returncode == 0, result.stderr
    written = {
        line.split(" ", 2)[2].rsplit(": ", 1)[0] for line in result.stdout.splitlines() if line[:2] == "+ "
    }
    assert written == keys


def test_objects_no_definition_can_express_are_listed_with_why(
    adopted: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Made outside mcstate: a CSV import with another delimiter, which the Import wizard cannot make either.
    monkeypatch.setenv("MC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MC_CLIENT_SECRET", CLIENT_SECRET)
    settings = find_project(config=adopted.root / "mcstate.yaml")
    odd = {
        "CustomerKey": "odd_import",
        "Name": "Odd import",
        "DestinationObject": SoapObject("DataExtension", {"CustomerKey": "nto_customers"}),
        "FileSpec": "odd.csv",
        "FileType": "CSV",
        "Delimiter": "|",
        "EncodingCodePage": 65001,
        "DateFormattingLocale": {"LocaleCode": "en-US"},
        "HeaderLines": 1,
        "FieldMappingType": "InferFromColumnHeadings",
        "UpdateType": "AddAndUpdate",
        "RetrieveFileTransferLocation": {"CustomerKey": "ExactTarget Enhanced FTP"},
    }
    [created] = connect(settings, settings.target()).write("Create", [SoapObject("ImportDefinition", odd)])
    assert created.ok, created.message

    result = adopted.run("retrieve", "--kind", "ImportDefinition")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "Retrieve complete: wrote 1 file(s), skipped 0 (already defined), could not represent 1:",
        "  ImportDefinition odd_import: it reads a csv file with the delimiter '|'; a definition gives a "
        "delimiter only with file_type 'other'",
    ]


def test_an_unknown_kind_is_an_error(adopted: Project) -> None:
    result = adopted.run("retrieve", "--kind", "Journey")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: --kind Journey: not a kind; kinds: Folder, DataExtension, ")
    assert not (adopted.root / "definitions").exists()


def test_invalid_definitions_are_reported_and_nothing_is_written(adopted: Project) -> None:
    adopted.write("definitions/broken.yaml", "kind: DataExtension\nkey: x\n")
    result = adopted.run("retrieve")
    assert result.returncode == 1
    assert "definitions/broken.yaml:1:1: missing required attribute 'name'" in result.stderr
    assert [path.name for path in (adopted.root / "definitions").iterdir()] == ["broken.yaml"]
