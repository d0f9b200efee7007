"""FilterActivity: filters applied into a data extension."""

from __future__ import annotations

from mcstate.emulator.ruleset.common import DATE, INTEGER, STRING, ApiError, RetrieveProperties

# -- FilterActivity -----------------------------------------------------------------------------------------
# Created over SOAP (Create FilterActivity, answered "FilterActivity Created" with the object echoed, as
# recorded); listed, read, updated and deleted over REST automation/v1/filters (as recorded).

FILTER_ACTIVITY_CREATED = "FilterActivity Created"
FILTER_ACTIVITY_ERROR = 2
"""Emulator's choice: a refused FilterActivity Create answers the general code 2 with a message saying what
is wrong (no FilterActivity codes are documented)."""
FILTER_ACTIVITY_DATA_EXTENSION_TYPE = 2
"""SourceTypeID/DestinationTypeID of a data extension (1 is a list), as recorded."""
FILTER_ACTIVITY_ROOT_FOLDER_ID = 6
"""A filter activity created over SOAP lands in the root filter activity folder (Create has no CategoryID;
the folder is set by a REST PATCH of categoryId, as mcdev does)."""
FILTER_ACTIVITY_STATUS_ID = 1
"""statusId of a saved filter activity, as recorded."""
FILTER_ACTIVITY_REQUIRED = (
    "CustomerKey", "Name", "FilterDefinitionID", "SourceObjectID", "SourceTypeID", "DestinationObjectID",
    "DestinationTypeID",
)  # fmt: skip
"""Emulator's choice: a Create must carry everything mcdev sends (the service's minimum is not documented);
sources and destinations must be data extensions, and the source must be the data filter's own source."""
FILTER_ACTIVITY_KEY_MAX_LENGTH = 36
"""The longest CustomerKey the service keeps for a filter activity (mcdev: "confirmed max length")."""

FILTER_ACTIVITY_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "FilterActivityID": STRING,
        "FilterDefinitionID": STRING, "DestinationObjectID": STRING, "DestinationTypeID": INTEGER,
        "SourceObjectID": STRING, "SourceTypeID": INTEGER,
    },
    filterable=frozenset({"ObjectID", "CustomerKey", "Name"}),
)  # fmt: skip
"""Recorded: a Retrieve by CustomerKey answers the ObjectID (the filterActivityId). Emulator's choice: the
other properties it stores are retrievable too."""
FILTER_ACTIVITY_SOAP_WRITES = frozenset({"Create"})
"""Emulator's choice: Update and Delete of a FilterActivity go through REST (as mcdev does); over SOAP they
fail as unsupported operations."""
FILTER_ACTIVITY_REST_CHANGEABLE = frozenset({"name", "description", "categoryId", "customerKey"})
"""What a REST PATCH may change. Recorded with mcdev: the source and destination cannot change; the data
filter (filterDefinitionId) is taken as unchangeable too (the UI refuses it). Emulator's choice: a PATCH
sending another value for them is refused with a 400."""


def filter_activity_error(detail: str) -> ApiError:
    return ApiError(FILTER_ACTIVITY_ERROR, f"FilterActivity: {detail}")
