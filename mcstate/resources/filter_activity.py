"""Filter activities (FilterActivity): what an automation step runs to apply a data filter.

A data filter (FilterDefinition) only describes which rows of its source data extension match; Automation
Studio runs a filter activity, which applies one data filter and writes the matching rows into a destination
data extension. The activity is an object of its own, with its own key, and the service splits it over two
APIs:

* SOAP Create of `FilterActivity` (FilterDefinitionID, SourceObjectID/SourceTypeID, DestinationObjectID/
  DestinationTypeID: ObjectIDs, type 2 = data extension) creates it in the root folder; the REST API cannot
  point a new activity at an existing destination data extension;
* REST `automation/v1/filters` lists the activities with every attribute (one paged call), and
  `automation/v1/filters/<id>` updates (PATCH: name, description, folder) and deletes them.

Desired and live objects share one shape:

    name, description, folder, filter (data filter key), destination (data extension key)

The service does not move an activity to another data filter or destination: such a change deletes and
creates the activity again (automations that run it are written again with its new ObjectID).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import DocPath, Document
from mcstate.errors import Problem
from mcstate.plan import AttributeChange, Change
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    FeedEdge,
    FlowIndex,
    KindDefaults,
    Later,
    Live,
    LiveCheck,
    NotRepresentable,
    Ref,
    RestRequest,
    Retriever,
    SoapObject,
    Step,
)
from mcstate.resources.common import (
    account_name_conflicts,
    declared_name_conflicts,
    definition_or_account,
    folder_path,
    folder_problems,
)
from mcstate.resources.definition_values import written_folder
from mcstate.resources.file_location import is_referenced
from mcstate.resources.folder import KIND as FOLDER
from mcstate.resources.folder import folder_ref

KIND = "FilterActivity"
FILTER_DEFINITION = "FilterDefinition"
DATA_EXTENSION = "DataExtension"
AUTOMATION = "Automation"
ROOT_FOLDER = "Filter"
FILTERS_PATH = "automation/v1/filters"
# The service's code for a data extension as the source or destination of a filter activity (1 is a list).
DATA_EXTENSION_TYPE_ID = 2

ATTRIBUTES = ("name", "description", "folder", "filter", "destination")
# The data extension the activity's data filter reads, and its ObjectID when the account has it: supplied
# by check_live for the Create call (the service wants the source next to the filter); not compared.
SOURCE = "_source"
SOURCE_OBJECT_ID = "_source_object_id"


def _lookup(kind: str, key: str) -> str:
    from mcstate.desired import lookup_address  # the registry imports this module

    return lookup_address(kind, key)


def _ids_by_object_id(live: Mapping[str, Mapping[str, Live]], kind: str) -> dict[str, str]:
    return {
        str(obj.ids.get("object_id") or "").casefold(): obj.key
        for obj in live.get(kind, {}).values()
        if obj.ids.get("object_id")
    }


class FilterActivityType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "filter_activity.schema.json"
    label: ClassVar[str] = "filter activity"
    directory: ClassVar[str | None] = "filter_activities"
    root_folder: ClassVar[str | None] = ROOT_FOLDER
    folder_content_type: ClassVar[str | None] = "filteractivity"
    step_name: ClassVar[str | None] = "filter"
    activity_object_type: ClassVar[str | None] = KIND
    in_flow: ClassVar[bool] = True

    def from_document(self, document: Document) -> Desired:
        data = document.data
        folder = folder_path(data, ROOT_FOLDER)
        attributes: dict[str, Any] = {
            "name": data["name"],
            "description": data.get("description") or "",
            "folder": folder,
            "filter": str(data["filter"]),
            "destination": str(data["destination"]),
        }
        folder_at: DocPath = ("folder",) if "folder" in data else ()
        references = (
            folder_ref(folder, folder_at),
            Ref(FILTER_DEFINITION, attributes["filter"], ("filter",), by_id=True),
            Ref(DATA_EXTENSION, attributes["destination"], ("destination",), by_id=True),
        )
        return Desired(KIND, str(data["key"]), attributes, document, references)

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        document = desired.document
        if document is None:
            return []
        problems = folder_problems(document, desired.attributes["folder"], ROOT_FOLDER)
        problems.extend(declared_name_conflicts(desired, declared, "filter activity"))
        data_filter = declared.get(_lookup(FILTER_DEFINITION, desired.attributes["filter"]))
        if data_filter is not None:
            problems.extend(_destination_problems(document, data_filter.attributes, desired.attributes))
        return problems

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        document = desired.document
        if document is None:
            return LiveCheck()
        problems = account_name_conflicts(desired, live, "filter activity")
        key = desired.attributes["filter"]
        data_filter = definition_or_account(FILTER_DEFINITION, key, declared, live)
        if data_filter is None:
            return LiveCheck(tuple(problems))  # the planner reports the unknown reference
        if declared.get(_lookup(FILTER_DEFINITION, key)) is None:
            problems.extend(_destination_problems(document, data_filter, desired.attributes))
        source = str(data_filter.get("source") or "")
        source_live = live.get(DATA_EXTENSION, {}).get(_lookup(DATA_EXTENSION, source))
        source_id = source_live.ids.get("object_id") if source_live is not None else None
        return LiveCheck(tuple(problems), {SOURCE: source, SOURCE_OBJECT_ID: source_id})

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        items = client.rest_items(FILTERS_PATH)  # before looking at `live`: see engine.read_live
        folders_by_id = {obj.ids.get("id"): obj.key for obj in live.get(FOLDER, {}).values()}
        filters = _ids_by_object_id(live, FILTER_DEFINITION)
        data_extensions = _ids_by_object_id(live, DATA_EXTENSION)
        objects: list[Live] = []
        for item in items:
            key, object_id = item.get("customerKey"), item.get("filterActivityId")
            if not key or not object_id:
                continue
            filter_id = str(item.get("filterDefinitionId") or "")
            destination_id = str(item.get("destinationObjectId") or "")
            category = item.get("categoryId")
            attributes = {
                "name": item.get("name") or "",
                "description": item.get("description") or "",
                "folder": folders_by_id.get(int(category)) if category not in (None, "") else None,
                # An ObjectID no data filter or data extension read has is kept, so the plan shows it.
                "filter": filters.get(filter_id.casefold(), filter_id),
                "destination": data_extensions.get(destination_id.casefold(), destination_id),
            }
            reason = None
            if item.get("destinationTypeId") not in (None, DATA_EXTENSION_TYPE_ID):
                reason = "it writes into a list, not a data extension: definitions describe data extensions"
            objects.append(Live(KIND, str(key), attributes, {"object_id": str(object_id)}, reason))
        return objects

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]:
        # Automations run filter activities: reading one maps its activities' ObjectIDs back to keys.
        needed = is_referenced(KIND, desired) or is_referenced(AUTOMATION, desired)
        return self.read(client, live) if needed else []

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = {name: desired.attributes[name] for name in ATTRIBUTES}
        depends = tuple(dict.fromkeys(ref.address for ref in desired.references))
        write_ids = {name: desired.attributes.get(name) for name in (SOURCE, SOURCE_OBJECT_ID)}
        if live is None:
            return Change(KIND, desired.key, "create", after=after, ids=write_ids, depends_on=depends)
        before = {name: live.attributes.get(name) for name in ATTRIBUTES}
        changes: list[AttributeChange] = []
        reasons: list[str] = []
        for name in ATTRIBUTES:
            if before[name] == after[name]:
                continue
            reason = None
            if name in ("filter", "destination"):
                reason = (
                    f"the {name} of a filter activity cannot change in place ({before[name]} → "
                    f"{after[name]}); the activity is deleted and created again, with a new ObjectID"
                )
                reasons.append(reason)
            changes.append(AttributeChange(name, before[name], after[name], reason))
        if not changes:
            return None
        action = "replace" if reasons else "update"
        ids = {**live.ids, **write_ids}
        return Change(KIND, desired.key, action, tuple(changes), before, after, ids, depends, tuple(reasons))

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        if attributes.get("filter"):
            yield index.ref(FILTER_DEFINITION, attributes["filter"]), lookup, "applies"
        if attributes.get("destination"):
            yield lookup, index.ref(DATA_EXTENSION, attributes["destination"]), "writes"

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        attributes = live.attributes
        folder = written_folder(attributes.get("folder"), ROOT_FOLDER)
        if isinstance(folder, NotRepresentable):
            return folder
        for name, kind in (("filter", FILTER_DEFINITION), ("destination", DATA_EXTENSION)):
            if _lookup(kind, str(attributes.get(name))) not in live_state.get(kind, {}):
                return NotRepresentable(
                    f"its {name} (ObjectID {attributes.get(name)}) is not a {kind} mcstate read"
                )
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        if folder is not None:
            data["folder"] = folder
        data["filter"] = attributes["filter"]
        data["destination"] = attributes["destination"]
        return Definition(data)

    def live_references(self, live: Live) -> tuple[str, ...]:
        named = (
            (FOLDER, live.attributes.get("folder")),
            (FILTER_DEFINITION, live.attributes.get("filter")),
            (DATA_EXTENSION, live.attributes.get("destination")),
        )
        return tuple(f"{kind}:{key}" for kind, key in named if key)

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        if change.action == "delete":
            return [Step("delete", RestRequest("DELETE", _path(change.ids["object_id"])), change)]
        if change.action == "create":
            return self._create(change, context, phase=0)
        if change.action == "replace":
            delete = Step("delete", RestRequest("DELETE", _path(change.ids["object_id"])), change, phase=0)
            return [delete, *self._create(change, context, phase=1)]
        if change.action != "update":
            raise ValueError(f"unsupported action {change.action}")
        after = change.after or {}
        path = _path(change.ids["object_id"])
        return [Step("update", RestRequest("PATCH", path, _rest_body(change.key, after, context)), change)]

    @staticmethod
    def _create(change: Change, context: ApplyContext, phase: int) -> list[Step]:
        after = change.after or {}
        props = {
            "CustomerKey": change.key,
            "Name": after["name"],
            "Description": after["description"],
            "FilterDefinitionID": context.ids(FILTER_DEFINITION, after["filter"])["object_id"],
            "DestinationObjectID": context.ids(DATA_EXTENSION, after["destination"])["object_id"],
            "DestinationTypeID": DATA_EXTENSION_TYPE_ID,
            "SourceObjectID": _source_object_id(change, context),
            "SourceTypeID": DATA_EXTENSION_TYPE_ID,
        }
        create = Step("create", SoapObject(KIND, props), change, phase=phase)
        if after["folder"] == ROOT_FOLDER:
            return [create]
        # Create puts the activity into the root folder; the folder is set over REST once its ID is known.
        move = Later(
            lambda known: RestRequest(
                "PATCH",
                _path(known.ids(KIND, change.key)["object_id"]),
                _rest_body(change.key, after, known),
            )
        )
        return [create, Step("update", move, change, phase=phase + 1)]


def _source_object_id(change: Change, context: ApplyContext) -> Any:
    """The source's ObjectID: learnt in this apply when it was created a moment ago, else read with the
    plan."""
    try:
        return context.ids(DATA_EXTENSION, str(change.ids.get(SOURCE)))["object_id"]
    except KeyError:
        return change.ids.get(SOURCE_OBJECT_ID)


def _path(object_id: str) -> str:
    return f"{FILTERS_PATH}/{object_id}"


def _rest_body(key: str, after: Mapping[str, Any], context: ApplyContext) -> dict[str, Any]:
    return {
        "customerKey": key,
        "name": after["name"],
        "description": after["description"],
        "categoryId": context.ids(FOLDER, after["folder"])["id"],
    }


def _destination_problems(
    document: Document, data_filter: Mapping[str, Any], attributes: Mapping[str, Any]
) -> list[Problem]:
    """A filter activity writing the rows into the data extension they are read from would empty it."""
    source = str(data_filter.get("source") or "")
    if source and source.casefold() == str(attributes["destination"]).casefold():
        return [
            document.problem(
                ("destination",),
                f"the destination '{attributes['destination']}' is the data extension the data filter "
                f"'{attributes['filter']}' reads; a filter activity writes its result into another one",
            )
        ]
    return []
