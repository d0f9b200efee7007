"""The account's stored objects, as plain records shared by the store, the rules and the handlers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class Folder:
    id: int
    object_id: str
    customer_key: str
    name: str
    description: str
    content_type: str
    parent_id: int
    is_active: bool
    is_editable: bool
    allow_children: bool
    created: datetime
    modified: datetime


@dataclass
class DataExtension:
    object_id: str
    customer_key: str
    name: str
    description: str
    is_sendable: bool
    is_testable: bool
    sendable_field_id: str | None
    """ObjectID of the field that relates to subscribers, so a rename keeps the relationship."""
    sendable_subscriber_field: str | None
    """'Subscriber Key' or 'Email Address'."""
    template_key: str | None
    retention_length: int | None
    retention_unit: int | None
    row_based_retention: bool
    reset_retention_on_import: bool
    delete_at_end_of_retention: bool
    retain_until: str
    category_id: int
    row_count: int
    created: datetime
    modified: datetime


@dataclass
class Field:
    object_id: str
    de_object_id: str
    name: str
    field_type: str
    max_length: int | None
    """Text length, or for Decimal the precision (the service reports precision as MaxLength)."""
    scale: int | None
    is_required: bool
    is_primary_key: bool
    default_value: str
    ordinal: int
    created: datetime
    modified: datetime


@dataclass
class FieldMap:
    """One column of an import file and the field it goes into (SourceName or SourceOrdinal)."""

    source_name: str | None
    source_ordinal: int | None
    destination_name: str


@dataclass
class ControlColumnAction:
    value: str
    action: str


@dataclass
class ImportDefinition:
    object_id: str
    customer_key: str
    name: str
    description: str
    destination_object_id: str
    """ObjectID of the destination data extension: the service keeps the object, not its key."""
    file_location_key: str
    file_spec: str
    file_type: str
    delimiter: str | None
    header_lines: int | None
    encoding_code_page: int | None
    date_locale: str
    field_mapping_type: str
    field_maps: list[FieldMap]
    update_type: str
    control_column: str | None
    control_column_default_action: str | None
    control_column_actions: list[ControlColumnAction]
    allow_errors: bool
    notification_type: str | None
    notification_address: str | None
    notification_when: str | None
    subscriber_import_type: str | None
    created: datetime
    modified: datetime


@dataclass
class QueryDefinition:
    object_id: str
    customer_key: str
    name: str
    description: str
    query_text: str
    target_type: str
    target_key: str
    target_name: str
    target_update_type: str
    status: str
    """Active; a deleted query stays behind as Inactive."""
    category_id: int
    created: datetime
    modified: datetime


@dataclass
class FilterDefinition:
    object_id: str
    customer_key: str
    name: str
    description: str
    data_source_id: str
    """ObjectID of the source data extension: the service keeps the object, not its key."""
    data_filter: dict[str, Any]
    """The DataFilter as received: nested FilterParts as plain values (see filterdefinition.py)."""
    category_id: int
    created: datetime
    modified: datetime


@dataclass
class Automation:
    object_id: str
    customer_key: str
    name: str
    description: str
    category_id: int
    is_active: bool
    automation_type: str
    status: int
    schedule: dict[str, Any] | None
    """The ScheduleDefinition as received, as plain values (see automation.py)."""
    tasks: list[dict[str, Any]]
    """The steps in order: {"name", "activities": [{"type", "object_id", "customer_key"}]}."""
    created: datetime
    modified: datetime
