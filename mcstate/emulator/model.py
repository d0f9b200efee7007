"""The account's stored objects, as plain records shared by the store, the rules and the handlers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
