"""DataFolder: folders (categories) and their content types."""

from __future__ import annotations

from collections.abc import Sequence

from mcstate.emulator.model import Folder
from mcstate.emulator.ruleset.common import ApiError
from mcstate.emulator.ruleset.rest import REST_INVALID_VALUE

# -- DataFolder ----------------------------------------------------------------------------------------------

FOLDER_INVALID_CALL = 396001
FOLDER_KEY_EXISTS = 396002
FOLDER_NAME_REQUIRED = 396003
FOLDER_CONTENT_TYPE_REQUIRED = 396004
FOLDER_CONTENT_TYPE_INVALID = 396005
FOLDER_INVALID_PARENT = 396007
FOLDER_KEY_REQUIRED = 396008
FOLDER_KEY_INVALID = 396009
FOLDER_DESCRIPTION_REQUIRED = 396010
FOLDER_NAME_INVALID = 396012

FOLDER_CREATED = "Folder created successfully."
FOLDER_UPDATED = "Folder updated successfully."
FOLDER_DELETED = "Folder deleted successfully."

FIRST_FOLDER_ID = 100001
"""Emulator's choice: folders created through the API get increasing integer IDs from here."""

CONTENT_TYPES = frozenset(
    {
        "dataextension", "shared_dataextension", "shared_data", "salesforcedataextension",
        "shared_salesforcedataextension", "synchronizeddataextension", "queryactivity", "filterdefinition",
        "filteractivity", "automations", "ssjsactivity", "list", "mysubs", "publication", "suppression_list",
        "contextual_suppression_list", "triggered_send", "triggered_send_journeybuilder",
        "userinitiatedsends",
        "asset", "asset-shared", "cloudpages", "email", "template", "journey", "hidden", "media", "content",
    }
)  # fmt: skip
"""Known ContentType values, compared without case ('Hidden' and 'hidden' are the same)."""

ROOT_FOLDERS: tuple[tuple[int, str, str, str], ...] = (
    (1, "hidden_default", "Hidden", "hidden"),
    (2, "dataextension_default", "Data Extensions", "dataextension"),
    (3, "shared_dataextension_default", "Shared Data Extensions", "shared_dataextension"),
    (4, "queryactivity_default", "Query", "queryactivity"),
    (5, "filterdefinition_default", "Data Filters", "filterdefinition"),
    (6, "filteractivity_default", "Filter", "filteractivity"),
    (7, "automations_default", "my automations", "automations"),
)
"""Root folders of a fresh account (ID, CustomerKey, Name, ContentType): ParentFolder 0, active, not
editable, children allowed. The Data Extensions root has ID 2, as in recorded tenants; the filter activity
root is named "Filter", as recorded."""

PARENT_ONLY_FOLDER_TYPES = frozenset(
    {"shared_data", "shared_dataextension", "shared_salesforcedataextension"}
)
"""The ContentTypes of the folders the parent business unit shares with its children (SEMANTICS §6.2: shared
data extensions live in the parent's `shared_dataextension` folders): a child business unit's own folders
never have them. Emulator's choice: a child is made without a Shared Data Extensions root of its own."""

REST_CREATED_FOLDER_TYPES = frozenset({"automations", "journey", "triggered_send_journeybuilder"})
"""ContentTypes the service does not create over SOAP DataFolder (mcdev creates them through the REST category
API, POST /email/v1/category, for that reason). Emulator's choice: such a SOAP Create fails with 396005
'Content Type Invalid' and a detail saying how they are created (the real code and text are unknown)."""


def category_type_invalid(content_type: object) -> tuple[int, str]:
    """Emulator's choice: the category API creates only the folder types SOAP does not (mcdev uses it for
    nothing else); other catType values are refused as invalid values."""
    return (
        REST_INVALID_VALUE,
        f"catType '{content_type}' cannot be created here; one of: "
        f"{', '.join(sorted(REST_CREATED_FOLDER_TYPES))}.",
    )


def filter_activity_fixed(wire_name: str) -> tuple[int, str]:
    return (
        REST_INVALID_VALUE,
        f"{wire_name} of a filter activity cannot be changed; create another activity.",
    )


def filter_activity_folder(category: object) -> tuple[int, str]:
    return (REST_INVALID_VALUE, f"categoryId {category} is not a filter activity folder.")


def folder_created_over_rest(content_type: str) -> ApiError:
    return ApiError(
        FOLDER_CONTENT_TYPE_INVALID,
        f"Data Folder Content Type Invalid: folders of type {content_type} cannot be created through "
        "DataFolder; use the category API (POST /email/v1/category).",
    )


FOLDER_DEFAULT_IS_ACTIVE = True
"""Emulator's choice: a folder created without IsActive is active."""
FOLDER_DEFAULT_IS_EDITABLE = False
FOLDER_DEFAULT_ALLOW_CHILDREN = False
"""As the service does: IsEditable and AllowChildren are false unless sent."""


def folder_name_required() -> ApiError:
    return ApiError(FOLDER_NAME_REQUIRED, "Data Folder Name Required")


def folder_content_type_required() -> ApiError:
    return ApiError(FOLDER_CONTENT_TYPE_REQUIRED, "Data Folder Content Type Required")


def folder_content_type_invalid() -> ApiError:
    return ApiError(FOLDER_CONTENT_TYPE_INVALID, "Data Folder Content Type Invalid")


def folder_invalid_parent() -> ApiError:
    return ApiError(FOLDER_INVALID_PARENT, "Data Folder Invalid Parent")


def folder_description_required() -> ApiError:
    return ApiError(FOLDER_DESCRIPTION_REQUIRED, "Data Folder Description Required")


def folder_key_exists() -> ApiError:
    return ApiError(FOLDER_KEY_EXISTS, "Data Folder Customer Key Exists")


def folder_key_required() -> ApiError:
    """Update/Delete without ID or CustomerKey (emulator's reading of 396008 'Key Field Required')."""
    return ApiError(FOLDER_KEY_REQUIRED, "Data Folder Key Field Required")


def folder_not_found() -> ApiError:
    """Update/Delete whose ID or CustomerKey matches no folder (emulator's reading of 396009)."""
    return ApiError(FOLDER_KEY_INVALID, "Data Folder Key Field Invalid")


def folder_name_taken(name: str) -> ApiError:
    """Emulator's choice: a sibling with the same name (case-insensitive) is 396012 'Name Invalid'."""
    return ApiError(
        FOLDER_NAME_INVALID, f"Data Folder Name Invalid: a folder named {name} already exists here."
    )


def folder_not_editable() -> ApiError:
    """Emulator's choice: changing or deleting a folder with IsEditable false is an invalid call."""
    return ApiError(FOLDER_INVALID_CALL, "Data Folder Invalid Call: the folder is not editable.")


def folder_not_empty() -> ApiError:
    """Emulator's choice: a folder holding folders or data extensions cannot be deleted."""
    return ApiError(FOLDER_INVALID_CALL, "Data Folder Invalid Call: the folder is not empty.")


def folder_content_type_changed() -> ApiError:
    """Emulator's choice: ContentType is immutable; sending a different one is 396005."""
    return ApiError(
        FOLDER_CONTENT_TYPE_INVALID, "Data Folder Content Type Invalid: ContentType cannot be changed."
    )


def check_content_type(content_type: str | None) -> str:
    if content_type is None or not content_type.strip():
        raise folder_content_type_required()
    if content_type.strip().casefold() not in CONTENT_TYPES:
        raise folder_content_type_invalid()
    return content_type.strip()


def check_parent(parent: Folder | None, content_type: str, moving: Folder | None = None,
                 ancestors: Sequence[int] = ()) -> None:  # fmt: skip
    """The parent must exist (ID 0, a new root, is refused), share the content type and allow children;
    a folder cannot move under itself or one of its descendants."""
    if parent is None or parent.content_type.casefold() != content_type.casefold():
        raise folder_invalid_parent()
    if not parent.allow_children:
        raise folder_invalid_parent()
    if moving is not None and (parent.id == moving.id or moving.id in ancestors):
        raise folder_invalid_parent()
