"""What every resource type provides, and the values passed between the planner, the applier and types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from mcstate.definitions.document import DocPath, Document
from mcstate.errors import Problem
from mcstate.plan import Change


def address(kind: str, key: str) -> str:
    return f"{kind}:{key}"


@dataclass(frozen=True)
class Ref:
    """A reference from one object to another, and where in the document it is written."""

    kind: str
    key: str
    path: DocPath = ()
    # The service keeps this reference as the target's ObjectID: when the target is re-created, the
    # referring object must be written again, or it keeps pointing at the old object.
    by_id: bool = False

    @property
    def address(self) -> str:
        return address(self.kind, self.key)


@dataclass
class Desired:
    """An object as the definitions want it: normalized attributes with the service's defaults applied."""

    kind: str
    key: str
    attributes: dict[str, Any]
    document: Document | None = None  # None for objects implied by others (e.g. parent folders)
    references: tuple[Ref, ...] = ()

    @property
    def address(self) -> str:
        return address(self.kind, self.key)


@dataclass
class Live:
    """An object as the account has it, normalized like Desired, plus the identifiers the service uses."""

    kind: str
    key: str
    attributes: dict[str, Any]
    ids: dict[str, Any] = field(default_factory=dict)
    # Why mcstate cannot manage this object (a system or shared data extension, a folder whose name holds
    # the path separator), None for the objects it manages. Such objects are still read: other objects
    # may refer to them (a query filling a shared data extension), and retrieve lists them with this reason.
    unmanageable: str | None = None

    @property
    def address(self) -> str:
        return address(self.kind, self.key)


@dataclass(frozen=True)
class SoapObject:
    """An object as the SOAP API spells it: its type name and its properties."""

    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class RestRequest:
    """A call to the REST API, for the objects the SOAP API cannot write (data extracts, file transfers)."""

    method: Literal["POST", "PATCH", "PUT", "DELETE"]
    path: str  # relative to the REST base URL, e.g. "automation/v1/dataextracts"
    body: dict[str, Any] | None = None
    # For a create whose answer holds no ID: (collection, field, value) finds the new object's item in a
    # collection, and its "id" is the ObjectID learnt.
    identify: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class WriteResult:
    """The service's answer for one object of a Create/Update/Delete call."""

    ok: bool
    message: str
    code: int | None = None
    new_id: int | None = None
    new_object_id: str | None = None

    @property
    def reason(self) -> str:
        """The service's answer as a message shows it: its code, then its text."""
        return f"{self.code} {self.message}" if self.code is not None else self.message


Operation = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Later:
    """A write built only when its turn comes, from identifiers an earlier phase of the same change learnt
    (the ID of a folder the REST category API created a moment ago)."""

    build: Callable[[ApplyContext], SoapObject | RestRequest]


@dataclass
class Step:
    """One object in one write call. Steps of the same operation, level and phase are sent together."""

    operation: Operation
    object: SoapObject | RestRequest | Later
    change: Change
    phase: int = 0
    on_success: Callable[[WriteResult], None] | None = None


class Retriever(Protocol):
    """The part of the account client that reading needs."""

    def retrieve(
        self,
        object_type: str,
        properties: Sequence[str],
        filter: Any = None,
        *,
        query_all_accounts: bool = False,
    ) -> list[dict[str, Any]]: ...

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paged REST collection such as automation/v1/dataextracts."""
        ...

    def rest_get(self, path: str) -> Any:
        """One REST resource, e.g. automation/v1/dataextracts/<id> (the details a collection leaves out)."""
        ...


@dataclass
class ApplyContext:
    """Identifiers of objects that changes refer to: read with the plan, or learned while applying
    (e.g. the ID of a folder created a moment ago). Keyed by address, case-insensitively."""

    known: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ids(self, kind: str, key: str) -> dict[str, Any]:
        return self.known[address(kind, key).casefold()]

    def remember(self, kind: str, key: str, ids: Mapping[str, Any]) -> None:
        self.known.setdefault(address(kind, key).casefold(), {}).update(ids)


@dataclass(frozen=True)
class SideFile:
    """Text a definition keeps in a file of its own beside the YAML file (a query's SQL). The writer names
    the file (the YAML file's name with `suffix`) and puts that name in `data[attribute]`."""

    attribute: str  # where the file name goes, e.g. "sql_file"
    inline_attribute: str  # the attribute holding the text when it is written inline instead, e.g. "sql"
    suffix: str
    text: str


@dataclass(frozen=True)
class Definition:
    """What a person would write for a live object: the document's attributes (only those that differ from
    the defaults `from_document` applies), in the order they are written, plus its side files."""

    data: dict[str, Any]
    side_files: tuple[SideFile, ...] = ()

    def with_side_files(self, names: Mapping[str, str]) -> dict[str, Any]:
        """The document with each side file's name (by attribute) in place, in the order of `data`."""
        return {name: names.get(name, value) for name, value in self.data.items()}

    def inline(self) -> dict[str, Any]:
        """The document with the side files' texts written inline (`sql:` instead of `sql_file:`)."""
        texts = {side.attribute: side for side in self.side_files}
        inlined: dict[str, Any] = {}
        for name, value in self.data.items():
            side = texts.get(name)
            if side is None:
                inlined[name] = value
            else:
                inlined[side.inline_attribute] = side.text
        return inlined


@dataclass(frozen=True)
class LiveCheck:
    """What `check_live` finds: the problems, and values the account supplies for the write calls (the
    name of a query's target, which fields of a filter's source are dates). The planner adds the values to
    a copy of the desired object; the object it was given is never changed."""

    problems: tuple[Problem, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


# A feed of the data flow: (source, target, label), by lookup address (see flow.py).
FeedEdge = tuple[str, str, str]


class FlowIndex(Protocol):
    """What a kind needs to name the objects its data comes from and goes to (flow.py builds it)."""

    def ref(self, kind: str, key: Any) -> str:
        """The lookup address of the object of `kind` with `key`."""
        ...

    def sql_reads(self, sql: str) -> list[str]:
        """Lookup addresses of the data extensions a query's SQL reads."""
        ...

    def transfers_of(self, file_spec: str) -> list[str]:
        """Lookup addresses of the file transfers that move files named `file_spec`."""
        ...


@dataclass(frozen=True)
class NotRepresentable:
    """A live object no definition can describe so that plan shows no change, and why."""

    reason: str


class ResourceType(Protocol):
    kind: ClassVar[str]
    schema: ClassVar[str | None]
    # Whether the service compares keys of this kind case-insensitively (folder paths do).
    case_insensitive_keys: ClassVar[bool]
    # What people call an object of this kind ("data extension"), for messages.
    label: ClassVar[str]
    # The folder under definitions/ that retrieve writes this kind's files into; None: not written.
    directory: ClassVar[str | None]
    # The root folder this kind's objects live under, and the ContentType of its folders; None: no folder.
    root_folder: ClassVar[str | None]
    folder_content_type: ClassVar[str | None]
    # How an automation step names an activity of this kind ({query: KEY}) and the xsi:type of its
    # ActivityObject; None when it cannot be a step.
    step_name: ClassVar[str | None]
    activity_object_type: ClassVar[str | None]
    # Whether the data flow chart draws this kind, and the Mermaid node shape (opening, closing).
    in_flow: ClassVar[bool]
    flow_shape: ClassVar[tuple[str, str]]

    def from_document(self, document: Document) -> Desired:
        """Normalize one validated document, applying the service's defaults."""
        ...

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        """Rules the schema cannot express, checked before any network call."""
        ...

    def implied(self, key: str) -> list[Desired]:
        """Objects created implicitly when referenced but not declared (empty: must be declared)."""
        ...

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        """Rules that depend on the account, such as a name another object of this kind already uses, or
        on what a reference names (use common.definition_or_account: the definition wins over the account),
        and values the write calls need from the account. Never changes its arguments."""
        ...

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        """The feeds of the data flow that this object starts or ends (`lookup` is its lookup address)."""
        ...

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        """Every object of this kind in the account (`live` holds the kinds read before)."""
        ...

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        """The change that turns `live` into `desired`; None when they already match."""
        ...

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        """The write calls that carry out `change`, built when its dependencies exist."""
        ...

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        """The definition a person would write for `live` (`mcstate retrieve`), such that `from_document`
        normalizes it back to `live` and plan shows no change; NotRepresentable with the reason when no
        definition can; None when the object needs no definition (implied folders, kinds not declared)."""
        ...


@runtime_checkable
class ReadsForDefinitions(Protocol):
    """A type whose complete read costs one call per object (REST collections list only names and keys).
    Given the desired objects, it reads only what they need: details of the objects they declare, nothing
    at all when no definition declares or refers to the kind. `read` stays the complete read."""

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]: ...


@runtime_checkable
class ReadsExpecting(Protocol):
    """A type whose complete read is a chain of calls (data extensions, then their fields) and can start its
    later calls at once for the keys the definitions declare, before the first answer names what exists.
    The result is the complete read, as `read`'s."""

    def read_expecting(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], declared_keys: Sequence[str]
    ) -> list[Live]: ...


@runtime_checkable
class RefersInAccount(Protocol):
    """A type that can tell, from an object as the account has it, which objects it refers to. When
    objects are deleted (--prune), a delete waits for the deletes of the objects that refer to it."""

    def live_references(self, live: Live) -> tuple[str, ...]:
        """Addresses ("Kind:key") of the objects `live` refers to."""
        ...


class KindDefaults:
    """What a kind inherits unless it says otherwise: a kind writes only what differs (ResourceType lists
    what each attribute means)."""

    schema: ClassVar[str | None] = None
    case_insensitive_keys: ClassVar[bool] = False
    label: ClassVar[str] = ""
    directory: ClassVar[str | None] = None
    root_folder: ClassVar[str | None] = None
    folder_content_type: ClassVar[str | None] = None
    step_name: ClassVar[str | None] = None
    activity_object_type: ClassVar[str | None] = None
    in_flow: ClassVar[bool] = False
    flow_shape: ClassVar[tuple[str, str]] = ('("', '")')
    # Whether the service changes this kind's key in place (moved_from): its steps then make an update
    # whose attributes start with a change of "key" a re-key of the object the change's ids address.
    rekeyable: ClassVar[bool] = False
    # Top-level mappings `mcstate fmt` and `retrieve` write as blocks even when they would fit on one line.
    block_attributes: ClassVar[frozenset[str]] = frozenset()

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        return []

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        return LiveCheck()

    def implied(self, key: str) -> list[Desired]:
        return []

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        return ()

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        return None
