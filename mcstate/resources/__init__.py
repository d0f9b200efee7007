"""The resource types mcstate manages: one module per type, registered here, in dependency order."""

from __future__ import annotations

from mcstate.resources.automation import AutomationType
from mcstate.resources.base import ResourceType
from mcstate.resources.data_extension import DataExtensionType
from mcstate.resources.data_extract import DataExtractType, DataExtractTypeType
from mcstate.resources.file_location import FileLocationType
from mcstate.resources.file_transfer import FileTransferType
from mcstate.resources.filter_activity import FilterActivityType
from mcstate.resources.filter_definition import FilterDefinitionType
from mcstate.resources.folder import FolderType
from mcstate.resources.import_definition import ImportDefinitionType
from mcstate.resources.query_definition import QueryDefinitionType

# Order matters: a type is read after the types it refers to (folders before data extensions).
REGISTRY: dict[str, ResourceType] = {
    "Folder": FolderType(),
    "DataExtension": DataExtensionType(),
    "FileLocation": FileLocationType(),
    "ImportDefinition": ImportDefinitionType(),
    "QueryDefinition": QueryDefinitionType(),
    "FilterDefinition": FilterDefinitionType(),
    "FilterActivity": FilterActivityType(),
    "DataExtractType": DataExtractTypeType(),
    "DataExtract": DataExtractType(),
    "FileTransfer": FileTransferType(),
    "Automation": AutomationType(),
}


def declarable() -> dict[str, str]:
    """Kinds users can write in definitions, with their JSON Schema file names."""
    return {kind: rtype.schema for kind, rtype in REGISTRY.items() if rtype.schema}


def step_kinds() -> dict[str, str]:
    """The kinds an automation step can run, by the name a step gives them ({query: KEY})."""
    return {rtype.step_name: kind for kind, rtype in REGISTRY.items() if rtype.step_name}


def flow_kinds() -> frozenset[str]:
    """The kinds the data flow chart draws; folders and extract types organize objects but move no data."""
    return frozenset(kind for kind, rtype in REGISTRY.items() if rtype.in_flow)
