"""Query definitions (QueryDefinition): a SQL query activity that writes its result into a data extension.

Desired and live objects are normalized to the same shape:

    name, description, folder, target (data extension key), target_name, update_type, sql

`sql` is the text as written (inline, or read from `sql_file` beside the YAML file); two texts that differ
only in whitespace outside string literals are the same query. `target_name` is the name of the target data
extension, which the service wants next to its key (DataExtensionTarget); it is taken from the definitions
or the account, and not compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from mcstate.client.filters import equals
from mcstate.definitions.document import Document
from mcstate.definitions.loader import control_character
from mcstate.definitions.variables import Variables, mentions, substitute_text
from mcstate.errors import Location, Problem
from mcstate.plan import AttributeChange, Change
from mcstate.project_files import ProjectFileError, read_text
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    FeedEdge,
    FlowIndex,
    KindDefaults,
    Live,
    LiveCheck,
    NotRepresentable,
    Ref,
    Retriever,
    SideFile,
    SoapObject,
    Step,
)
from mcstate.resources.common import declared_object, definition_or_account, folder_path, folder_problems
from mcstate.resources.definition_values import written_folder
from mcstate.resources.folder import KIND as FOLDER
from mcstate.resources.folder import folder_ref
from mcstate.resources.query_sql import inline_sql_location, sql_problems

KIND = "QueryDefinition"
DATA_EXTENSION = "DataExtension"
ROOT_FOLDER = "Query"

UPDATE_TYPES = {"overwrite": "Overwrite", "update": "Update", "append": "Append"}
TARGET_TYPE = "DE"
ACTIVE = "Active"

# The properties the emulator answers for QueryDefinition. Deleted queries stay retrievable with another
# Status, so reads ask for Status Active only.
PROPERTIES = [
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "QueryText",
    "TargetType",
    "DataExtensionTarget.CustomerKey",
    "DataExtensionTarget.Name",
    "TargetUpdateType",
    "Status",
    "CategoryID",
]

# Attributes compared with the account, in the order the plan shows them.
ATTRIBUTES = ("name", "description", "folder", "target", "update_type", "sql")

# SQL tokens: string literals, quoted and bracketed identifiers and comments are kept whole, so that
# whitespace inside them still counts; everything else is compared token by token.
_SQL_TOKEN = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\[[^\]]*\]|--[^\n]*|/\*.*?\*/|\w+|\S""",
    re.DOTALL,
)


def sql_tokens(text: str) -> tuple[str, ...]:
    """The query without its layout: equal for two texts that differ only in whitespace."""
    tokens = []
    for token in _SQL_TOKEN.findall(text):
        if token.startswith(("--", "/*")):
            token = " ".join(token.split())  # a re-wrapped comment is still the same comment
        tokens.append(token)
    return tuple(tokens)


def same_sql(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left == right
    return sql_tokens(left) == sql_tokens(right)


def sql_file_path(document: Document) -> Path:
    """Where `sql_file` points: relative to the YAML file that names it."""
    return Path(document.file).parent / str(document.data["sql_file"])


def read_sql_file(document: Document) -> tuple[str | None, str | None]:
    """(text, None), or (None, why it cannot be read): the file must be a regular file inside the project,
    of bounded size (mcstate.project_files)."""
    path = sql_file_path(document)
    try:
        text = read_text(path, document.project_root, str(document.data["sql_file"]))
    except ProjectFileError as error:
        return None, f"SQL file {error}"
    if not text.strip():
        return None, f"SQL file '{path.as_posix()}' is empty"
    variables = document.variables
    if isinstance(variables, Variables) and mentions(text):
        replaced, unresolved = substitute_text(text, variables)
        if unresolved:
            offset, message = unresolved[0]
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            return None, f"SQL file {path.as_posix()}:{line}:{column}: {message}"
        text = replaced if isinstance(replaced, str) else str(replaced)
    found = control_character(text, multi_line=True)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        return None, (
            f"SQL file '{path.as_posix()}' contains the control character "
            f"U+{ord(found.group(0)):04X} on line {line}; remove it"
        )
    return text, None


def sql_location(document: Document, line: int, column: int) -> Location:
    """Where a line and column of the query's SQL are: in its `.sql` file, or in the YAML file."""
    if "sql_file" in document.data:
        return Location(sql_file_path(document).as_posix(), line, column)
    return inline_sql_location(document, line, column)


def _target_problems(desired: Desired, target: Mapping[str, Any]) -> list[Problem]:
    document = desired.document
    if document is None or desired.attributes["update_type"] != "update":
        return []
    if any(field.get("primary_key") for field in target.get("fields") or []):
        return []
    return [
        document.problem(
            ("update_type",),
            f"update type 'update' adds and updates rows by primary key, and the target data extension "
            f"'{desired.attributes['target']}' has no primary key; use 'append' or 'overwrite', or give the "
            "data extension a primary key",
        )
    ]


class QueryDefinitionType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "query_definition.schema.json"
    label: ClassVar[str] = "query"
    directory: ClassVar[str | None] = "queries"
    root_folder: ClassVar[str | None] = ROOT_FOLDER
    folder_content_type: ClassVar[str | None] = "queryactivity"
    step_name: ClassVar[str | None] = "query"
    activity_object_type: ClassVar[str | None] = "QueryDefinition"
    in_flow: ClassVar[bool] = True

    def from_document(self, document: Document) -> Desired:
        data = document.data
        folder = folder_path(data, ROOT_FOLDER)
        sql = data.get("sql")
        if sql is None and "sql_file" in data:
            sql, _ = read_sql_file(document)  # a missing file is reported by check()
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "folder": folder,
            "target": data["target"],
            "target_name": None,
            "update_type": data.get("update_type", "overwrite"),
            "sql": sql,
        }
        references = (
            folder_ref(folder, ("folder",) if "folder" in data else ()),
            Ref(DATA_EXTENSION, str(data["target"]), ("target",)),
        )
        return Desired(KIND, str(data["key"]), attributes, document, references)

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        document = desired.document
        if document is None:
            return []
        problems: list[Problem] = []
        if "sql_file" in document.data:
            _, error = read_sql_file(document)
            if error is not None:
                problems.append(document.problem(("sql_file",), error))
        problems.extend(folder_problems(document, desired.attributes["folder"], ROOT_FOLDER))
        declared_target = declared_object(DATA_EXTENSION, desired.attributes["target"], declared)
        if declared_target is not None:
            problems.extend(_target_problems(desired, declared_target.attributes))
        problems.extend(sql_problems(desired, declared, None, sql_location))
        return problems

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        target = definition_or_account(DATA_EXTENSION, desired.attributes["target"], declared, live)
        if target is None:
            return LiveCheck()  # the planner reports the unknown reference
        # The service wants the target's name with its key: the definition's name, or the account's.
        values = {"target_name": target.get("name")}
        # Against the account as the plan leaves it: check() had only the definitions.
        problems = sql_problems(desired, declared, live, sql_location)
        if declared_object(DATA_EXTENSION, desired.attributes["target"], declared) is None:
            problems = [*_target_problems(desired, target), *problems]  # check() has checked a declared one
        return LiveCheck(tuple(problems), values)

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        rows = client.retrieve(KIND, PROPERTIES, equals("Status", ACTIVE))  # before looking at `live`
        folders_by_id = {obj.ids["id"]: obj.key for obj in live.get(FOLDER, {}).values()}
        objects = []
        for row in rows:
            if row.get("CustomerKey"):
                category = row.get("CategoryID")
                folder = folders_by_id.get(int(category)) if category not in (None, "") else None
                objects.append(self.live_from_service(row, folder))
        return objects

    def live_from_service(self, row: Mapping[str, Any], folder: str | None) -> Live:
        target = row.get("DataExtensionTarget") or {}
        update_type = row.get("TargetUpdateType")
        attributes = {
            "name": row.get("Name"),
            "description": row.get("Description") or "",
            "folder": folder,
            "target": target.get("CustomerKey"),
            "target_name": target.get("Name"),
            "update_type": {v.casefold(): k for k, v in UPDATE_TYPES.items()}.get(
                str(update_type or "").casefold(), update_type
            ),
            "sql": row.get("QueryText") or "",
        }
        ids = {"object_id": row.get("ObjectID"), "category_id": row.get("CategoryID")}
        return Live(KIND, str(row["CustomerKey"]), attributes, ids)

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        """The SQL goes to a file of its own beside the YAML file (`sql_file:`), where editors and
        reviewers read it as SQL."""
        attributes = live.attributes
        folder = written_folder(attributes.get("folder"), ROOT_FOLDER)
        if isinstance(folder, NotRepresentable):
            return folder
        if not attributes.get("target"):
            return NotRepresentable("it writes to no data extension (its target is not a data extension)")
        if attributes.get("update_type") not in UPDATE_TYPES:
            return NotRepresentable(
                f"its update type '{attributes.get('update_type')}' is not one mcstate writes"
            )
        sql = str(attributes.get("sql") or "")
        if not sql.strip():
            return NotRepresentable("its SQL is empty")
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        if folder is not None:
            data["folder"] = folder
        data["target"] = attributes["target"]
        if attributes["update_type"] != "overwrite":
            data["update_type"] = attributes["update_type"]
        data["sql_file"] = None  # named by whoever writes the files
        text = sql if sql.endswith("\n") else sql + "\n"
        return Definition(data, (SideFile("sql_file", "sql", ".sql", text),))

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = desired.attributes
        depends = tuple(ref.address for ref in desired.references)
        if live is None:
            return Change(KIND, desired.key, "create", after=after, depends_on=depends)
        before = live.attributes
        changes = []
        for name in ATTRIBUTES:
            if name == "sql":
                same = same_sql(before.get(name), after[name])
            else:
                same = before.get(name) == after[name]
            if not same:
                changes.append(AttributeChange(name, before.get(name), after[name]))
        if not changes:
            return None
        return Change(KIND, desired.key, "update", tuple(changes), before, after, live.ids, depends)

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        for source in index.sql_reads(str(attributes.get("sql") or "")):
            yield source, lookup, "SQL"
        if attributes.get("target"):
            yield lookup, index.ref(DATA_EXTENSION, attributes["target"]), "writes"

    def live_references(self, live: Live) -> tuple[str, ...]:
        named = ((FOLDER, live.attributes.get("folder")), (DATA_EXTENSION, live.attributes.get("target")))
        return tuple(f"{kind}:{key}" for kind, key in named if key)

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        after = change.after or {}
        if change.action == "delete":
            # The service identifies a query by ObjectID on Delete as on Update.
            identity = {"ObjectID": change.ids["object_id"], "CustomerKey": change.key}
            return [Step("delete", SoapObject(KIND, identity), change)]
        if change.action == "create":
            props: dict[str, Any] = {
                "CustomerKey": change.key,
                "Name": after["name"],
                "Description": after["description"],
                "QueryText": after["sql"],
                "TargetType": TARGET_TYPE,
                "DataExtensionTarget": _target_to_service(after),
                "TargetUpdateType": UPDATE_TYPES[after["update_type"]],
                "CategoryID": context.ids(FOLDER, after["folder"])["id"],
            }
            return [Step("create", SoapObject(KIND, props), change)]
        if change.action != "update":
            raise ValueError(f"query definitions are not {change.action}d by mcstate")
        # The service identifies a query by ObjectID on Update; the key goes along for readability.
        props = {"ObjectID": change.ids["object_id"], "CustomerKey": change.key}
        for attribute in (c.path for c in change.attributes):
            if attribute == "name":
                props["Name"] = after["name"]
            elif attribute == "description":
                props["Description"] = after["description"]
            elif attribute == "folder":
                props["CategoryID"] = context.ids(FOLDER, after["folder"])["id"]
            elif attribute == "target":
                props["TargetType"] = TARGET_TYPE
                props["DataExtensionTarget"] = _target_to_service(after)
            elif attribute == "update_type":
                props["TargetUpdateType"] = UPDATE_TYPES[after["update_type"]]
            elif attribute == "sql":
                props["QueryText"] = after["sql"]
        return [Step("update", SoapObject(KIND, props), change)]


def _target_to_service(after: Mapping[str, Any]) -> dict[str, Any]:
    # Declared as InteractionBaseObject: no xsi:type, and the service wants the name beside the key.
    return {"CustomerKey": after["target"], "Name": after["target_name"]}
