"""Retrieve answers read straight from the XML into the dicts zeep would give, driven by the WSDL's types.

zeep builds an object per element of an answer (and soap.py then turns those objects into dicts); for a
Retrieve of thousands of objects that costs several times the network time. This parser walks the Results
with lxml and the types of the parsed WSDL instead: each element is matched against its type's sequence and
each value converted by the WSDL type's own conversion (zeep's ``pythonvalue``), so the dicts are exactly
those of ``zeep.helpers.serialize_object(zeep_result, dict)``: every element of the type present, absent
ones as None (or [] when repeatable), nested types as dicts, xsi:type honoured.

It is as strict as zeep in strict mode, by declining: whenever the answer holds something zeep would
refuse or treat specially (an unexpected or misplaced element, a missing required element, a value that
does not convert, a type with attributes, choices or wildcards, a DTD, a fault, another status than 200),
``parse`` returns None and the caller hands the same answer to zeep, which then reports it as before. The
fast path never decides what an odd answer means; it only skips the work for ordinary ones.
"""

from __future__ import annotations

import operator
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from zeep.utils import qname_attr
from zeep.xsd import ComplexType, Element, Sequence
from zeep.xsd.types.builtins import String
from zeep.xsd.types.simple import AnySimpleType

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_BODY = f"{{{SOAP_ENV}}}Body"


_MISSING = object()
_TAG_OF = operator.attrgetter("tag")


def _text(text: str) -> str:
    return text


_MEMO_ENTRIES = 4096
_MEMO_TEXT_LENGTH = 64
_INTERNED_LENGTH = 40


class _Declined(Exception):
    """The answer holds something only zeep may judge."""


@dataclass(frozen=True)
class _Slot:
    """One element of a type's sequence."""

    name: str  # the key zeep gives it
    namespace: str | None
    localname: str
    element: Element
    multiple: bool
    limit: int | None  # maxOccurs when repeatable and bounded
    optional: bool
    convert: Callable[[str], Any] | None  # the declared simple type's conversion; None for complex types


@dataclass(frozen=True)
class _Shape:
    """How to read an element of one complex type: its slots in order and the dict of an empty one."""

    slots: tuple[_Slot, ...]
    defaults: dict[str, Any]
    repeatable: tuple[str, ...]  # names whose default is a fresh []
    empty: bool  # no elements and no attributes: zeep reads every such element as None
    index: dict[str, int]  # slot position by local name
    required_before: tuple[int, ...]  # how many required slots come before each position


def _split(tag: str) -> tuple[str | None, str]:
    if tag[:1] == "{":
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


class RetrieveParser:
    """Parses RetrieveResponseMsg answers with the types of one parsed WSDL (`schema` is zeep's
    ``Document.types``, `response_element` the output element of Retrieve). Thread-safe: the shapes it
    derives from the WSDL are immutable and cached."""

    def __init__(self, schema: Any, response_element: Element) -> None:
        self._schema = schema
        self._response = response_element
        self._shapes: dict[int, _Shape | None] = {}
        self._types: dict[tuple[str | None, str], Any] = {}
        # Memos shared by threads (a dict's get and set are atomic): the slots of a sequence of tags, and
        # converted texts. Bounded, so that an answer of endless variety cannot grow them.
        self._placed: dict[tuple[int, tuple[Any, ...]], tuple[_Slot, ...]] = {}
        self._values: dict[tuple[Callable[[str], Any], str], Any] = {}
        self._lock = threading.Lock()
        self._xml = threading.local()

    def parse(self, status: int, content: bytes) -> dict[str, Any] | None:
        """The answer as {"OverallStatus", "RequestID", "Results": [dict, ...]}, or None when zeep must read
        it (anything but a 200 carrying exactly the expected response)."""
        if status != 200 or not content:
            return None
        try:
            root = etree.fromstring(content, self._parser())
        except etree.XMLSyntaxError:
            return None
        return self.parse_envelope(status, root)

    def parse_envelope(self, status: int, root: etree._Element) -> dict[str, Any] | None:
        """`parse` of an answer already parsed as XML (with entities left unresolved)."""
        if status != 200:
            return None
        if root.getroottree().docinfo.doctype or root.tag != _ENVELOPE:
            return None
        body = root.find(_BODY)
        if body is None:
            return None
        children = list(body)
        if len(children) != 1 or children[0].tag != self._response.qname.text:
            return None
        try:
            value = self._element(children[0], self._response)
        except _Declined:
            return None
        return value if isinstance(value, dict) else None

    # -- elements -----------------------------------------------------------------------------------------

    def _parser(self) -> etree.XMLParser:
        # lxml parsers are not thread-safe; zeep's settings: comments dropped, no entities, huge trees.
        parser = getattr(self._xml, "parser", None)
        if parser is None:
            parser = etree.XMLParser(remove_comments=True, resolve_entities=False, huge_tree=True)
            self._xml.parser = parser
        return parser

    def _element(self, node: etree._Element, declared: Element) -> Any:
        """zeep's Element.parse: the xsi:type if the schema knows it, else the declared type."""
        xsd_type = declared.type
        if node.get(XSI_TYPE) is not None:
            xsd_type = self._instance_type(node) or xsd_type
        if isinstance(xsd_type, ComplexType):
            return self._complex(node, xsd_type)
        if isinstance(xsd_type, AnySimpleType):
            text = node.text
            if text is None:
                return None
            try:
                return xsd_type.pythonvalue(text)
            except (TypeError, ValueError):
                raise _Declined from None  # zeep logs it and reads None; soap.py makes that an error
        raise _Declined  # anyType and other special types

    def _instance_type(self, node: etree._Element) -> Any:
        raw = node.get(XSI_TYPE) or ""
        if ":" not in raw and node.prefix is None:
            # An unprefixed name is in the default namespace, which is the namespace of this unprefixed
            # element: known without building the element's namespace map (as zeep's qname_attr does).
            known = self._types.get((_split(node.tag)[0], raw.strip()))
            if known is not None:
                return known
        qname = qname_attr(node, XSI_TYPE)
        if qname is None:
            return None
        key = (qname.namespace or None, qname.localname)
        if key not in self._types:
            try:
                self._types[key] = self._schema.get_type(qname, fail_silently=True)
            except Exception:
                # zeep raises for a type its schema does not hold: its error, in its words.
                raise _Declined from None
        return self._types[key]

    def _complex(self, node: etree._Element, xsd_type: ComplexType) -> dict[str, Any] | None:
        """zeep's ComplexType.parse_xmlelement (its Sequence and Element matching) then serialize_object."""
        shape = self._shape(xsd_type)
        if shape is None:
            raise _Declined
        if shape.empty:
            return None
        children = list(node)
        if not children and not len(node.attrib):
            return None
        result = dict(shape.defaults)
        for name in shape.repeatable:
            result[name] = []
        # The slots the children go to depend only on their tags: worked out once per sequence of tags (an
        # answer repeats a few sequences thousands of times).
        tags = tuple(map(_TAG_OF, children))
        placed = self._placed.get((id(shape), tags))
        if placed is None:
            placed = self._place(shape, tags)
        values = self._values
        for child, slot in zip(children, placed, strict=True):
            if slot.convert is not None and child.get(XSI_TYPE) is None:
                # A value of the declared simple type, read here rather than through _element (most
                # elements of an answer are such values; the same few texts recur, so each text is
                # converted once per type: the values are immutable).
                text = child.text
                if text is None:
                    value = None
                elif slot.convert is _text:
                    # Names and types repeat across thousands of results: one object each.
                    value = sys.intern(text) if len(text) <= _INTERNED_LENGTH else text
                else:
                    memo = (slot.convert, text)
                    value = values.get(memo, _MISSING)
                    if value is _MISSING:
                        try:
                            value = slot.convert(text)
                        except (TypeError, ValueError):
                            raise _Declined from None
                        if len(text) <= _MEMO_TEXT_LENGTH and len(values) < _MEMO_ENTRIES:
                            values[memo] = value
            else:
                value = self._element(child, slot.element)
            if slot.multiple:
                result[slot.name].append(value)
            else:
                result[slot.name] = value
        return result

    def _place(self, shape: _Shape, tags: tuple[Any, ...]) -> tuple[_Slot, ...]:
        """The slot of each child with these tags, as zeep's Sequence matching places them; declines what
        zeep would refuse."""
        slots, index, required_before = shape.slots, shape.index, shape.required_before
        placed: list[_Slot] = []
        current = 0  # the slot zeep is at
        matched = 0  # elements the current slot took
        for tag in tags:
            if not isinstance(tag, str):
                raise _Declined  # a processing instruction among the elements
            namespace, localname = _split(tag)
            position = index.get(localname)
            if position is None or position < current:
                raise _Declined  # zeep (strict): Unexpected element
            slot = slots[position]
            if namespace and slot.namespace and namespace != slot.namespace:
                raise _Declined
            if position == current and matched:
                if not slot.multiple or (slot.limit is not None and matched >= slot.limit):
                    raise _Declined  # one too many: zeep moves on and finds no place for it
            elif position != current or not matched:
                # Slots passed over without an element: zeep refuses to pass a required one.
                first_skipped = current + 1 if matched else current
                if required_before[position] - required_before[first_skipped] > 0:
                    raise _Declined
                current, matched = position, 0
            placed.append(slot)
            matched += 1
        result = tuple(placed)
        if len(self._placed) < _MEMO_ENTRIES:
            self._placed[(id(shape), tags)] = result
        return result

    def _shape(self, xsd_type: ComplexType) -> _Shape | None:
        key = id(xsd_type)
        if key in self._shapes:
            return self._shapes[key]
        with self._lock:
            if key not in self._shapes:
                self._shapes[key] = _derive_shape(xsd_type)
        return self._shapes[key]


def _derive_shape(xsd_type: ComplexType) -> _Shape | None:
    """The shape of a type made of one plain sequence of elements; None for anything else (attributes,
    choices, groups, wildcards, simple content), which the parser leaves to zeep."""
    if xsd_type.attributes:
        return None
    if not xsd_type.elements:
        return _Shape((), {}, (), True, {}, (0,))
    nested = xsd_type.elements_nested
    if len(nested) != 1 or not isinstance(nested[0][1], Sequence):
        return None
    sequence = nested[0][1]
    if sequence.accepts_multiple:
        return None
    slots: list[_Slot] = []
    defaults: dict[str, Any] = {}
    repeatable: list[str] = []
    for name, element in sequence.elements_nested:
        if name is None or not isinstance(element, Element):
            return None  # a choice or group inside the sequence
        multiple = bool(element.accepts_multiple)
        limit = element.max_occurs if multiple and isinstance(element.max_occurs, int) else None
        namespace, localname = element.qname.namespace or None, element.qname.localname
        convert = element.type.pythonvalue if isinstance(element.type, AnySimpleType) else None
        if convert is not None and getattr(type(element.type), "pythonvalue", None) is String.pythonvalue:
            convert = _text  # xsd:string reads as the text itself: no conversion, nothing to remember
        slots.append(
            _Slot(name, namespace, localname, element, multiple, limit, element.is_optional, convert)
        )
        if multiple:
            repeatable.append(name)
        defaults[name] = None if multiple else element.default_value
    index = {slot.localname: position for position, slot in enumerate(slots)}
    if len(index) != len(slots) or len({slot.namespace for slot in slots}) > 1:
        # Two elements of one name, or elements of several namespaces: zeep's matching then depends on
        # more than the name; leave such types to it.
        return None
    required_before = [0]
    for slot in slots:
        required_before.append(required_before[-1] + (0 if slot.optional else 1))
    return _Shape(tuple(slots), defaults, tuple(repeatable), False, index, tuple(required_before))
