"""`mcstate graph`: the example's whole lineage in each format (golden files, from the definitions only),
the part around chosen objects, and objects only in the account when the account is read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.golden_files import assert_golden

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def example(project: Project) -> Project:
    shutil.rmtree(project.root / "definitions")
    shutil.copytree(REPOSITORY / "definitions", project.root / "definitions")
    return project


@pytest.mark.parametrize("output_format", ["mermaid", "dot", "json"])
def test_the_examples_whole_flow_in_each_format(example: Project, output_format: str) -> None:
    result = example.run("graph", "--offline", "--format", output_format)
    assert result.returncode == 0, result.stderr
    assert_golden(f"graph_example.{output_format}", result.stdout)


def test_the_lineage_names_the_columns_each_query_reads_and_writes(example: Project) -> None:
    document = json.loads(example.run("graph", "--offline", "--format", "json").stdout)
    segment = document["queries"]["QueryDefinition:nto_segment_subscribers_by_region"]
    assert segment["reads"] == [
        "NTO Monthly Newsletter Subscribers.SubscriberKey",
        "NTO Monthly Newsletter Subscribers.Email",
        "NTO Customers.City",
        "NTO Customers.Region",
        "NTO Customers.SubscriberKey",
        "NTO Monthly Newsletter Subscribers.OptedIn",
    ]
    assert segment["writes"] == ["SubscriberKey", "Email", "City", "Region"]


def test_around_a_key_keeps_what_feeds_it_and_what_it_feeds(example: Project) -> None:
    document = json.loads(
        example.run("graph", "--offline", "--format", "json", "--key", "nto_import_crm_customers").stdout
    )
    addresses = {node["address"] for node in document["nodes"]}
    assert {
        "ImportDefinition:nto_import_crm_customers",
        "DataExtension:nto_customers",
        "QueryDefinition:nto_segment_subscribers_by_region",
        "DataExtension:nto_subscribers_by_region",
    } <= addresses
    assert "QueryDefinition:nto_email_engagement_from_tracking" not in addresses


def test_objects_only_in_the_account_are_shown_when_the_account_is_read(example: Project) -> None:
    assert example.run("apply", "--auto-approve").returncode == 0
    (example.root / "definitions/queries/subscribers_by_region.yaml").unlink()
    document = json.loads(example.run("graph", "--format", "json").stdout)
    nodes = {node["address"]: node for node in document["nodes"]}
    assert nodes["QueryDefinition:nto_segment_subscribers_by_region"]["declared"] is False
    assert nodes["DataExtension:nto_customers"]["declared"] is True
    offline = json.loads(example.run("graph", "--offline", "--format", "json").stdout)
    # Without the account, the query is only a name the automation's step gives: nothing is known of its SQL.
    assert "QueryDefinition:nto_segment_subscribers_by_region" not in offline["queries"]
    assert "QueryDefinition:nto_segment_subscribers_by_region" in document["queries"]


def test_a_key_that_matches_nothing_is_an_error(example: Project) -> None:
    result = example.run("graph", "--offline", "--key", "nope")
    assert result.returncode == 1
    assert "Error: --key nope: no object of the lineage matches" in result.stderr
