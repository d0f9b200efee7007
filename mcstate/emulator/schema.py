"""The partner API types as the WSDL declares them: element order, cardinality and inheritance.

Responses are written from this model so that child order always follows the WSDL (zeep rejects or silently
drops out-of-order elements). The model is read once per WSDL file and cached.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
TNS = "http://exacttarget.com/wsdl/partnerAPI"

API_OBJECT = "APIObject"


@dataclass(frozen=True)
class Child:
    """One element of a complex type's content, as declared."""

    name: str
    type_name: str | None
    """Name of the complex type of this element; None for simple content (strings, numbers, enums)."""
    many: bool
    nillable: bool
    xsd_type: str | None = None
    """The XML Schema built-in type of simple content (int, long, boolean, ...), None otherwise."""


@dataclass
class ComplexType:
    """A named complex type, or an anonymous one registered under a synthetic name."""

    name: str
    base: str | None
    own: list[Child] = field(default_factory=list)
    abstract: bool = False


class Schema:
    """The complex types and top-level elements of one WSDL."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.types: dict[str, ComplexType] = {}
        self.elements: dict[str, str] = {}
        self._simple_types: set[str] = set()
        tree = etree.parse(str(path), etree.XMLParser(remove_comments=True, no_network=True))
        for schema in tree.iter(f"{{{XSD_NS}}}schema"):
            if schema.get("targetNamespace") == TNS:
                self._read_schema(schema)

    # -- public model -------------------------------------------------------------------------------------

    def children(self, type_name: str) -> list[Child]:
        """All elements of a type in wire order: the base type's elements first."""
        return list(self._children(type_name))

    @functools.cache  # noqa: B019 - one Schema per WSDL file, kept for the process
    def _children(self, type_name: str) -> tuple[Child, ...]:
        complex_type = self.types[type_name]
        inherited = self._children(complex_type.base) if complex_type.base else ()
        return (*inherited, *complex_type.own)

    @functools.cache  # noqa: B019
    def child_map(self, type_name: str) -> dict[str, tuple[int, Child]]:
        """Position and declaration of each element of a type, by element name."""
        return {child.name: (index, child) for index, child in enumerate(self._children(type_name))}

    def is_type(self, name: str) -> bool:
        return name in self.types

    def derives_from(self, type_name: str, base: str) -> bool:
        current: str | None = type_name
        while current is not None:
            if current == base:
                return True
            current = self.types[current].base if current in self.types else None
        return False

    def element_type(self, element_name: str) -> str:
        """The type name of a top-level element (anonymous types get the element's name)."""
        return self.elements[element_name]

    # -- reading ------------------------------------------------------------------------------------------

    def _read_schema(self, schema: etree._Element) -> None:
        for node in _xsd_children(schema):
            kind = etree.QName(node).localname
            if kind == "simpleType" and node.get("name"):
                self._simple_types.add(node.get("name", ""))
        for node in _xsd_children(schema):
            kind = etree.QName(node).localname
            name = node.get("name")
            if not name:
                continue
            if kind == "complexType":
                self._read_complex_type(node, name)
            elif kind == "element":
                type_attr = node.get("type")
                if type_attr is not None:
                    self.elements[name] = _local_type(type_attr)
                else:
                    inline = _first(node, "complexType")
                    synthetic = f"element:{name}"
                    if inline is not None:
                        self._read_complex_type(inline, synthetic)
                    else:
                        self.types[synthetic] = ComplexType(synthetic, None)
                    self.elements[name] = synthetic

    def _read_complex_type(self, node: etree._Element, name: str) -> None:
        complex_type = ComplexType(name, None, abstract=node.get("abstract") == "true")
        self.types[name] = complex_type
        content = _first(node, "complexContent")
        body = node
        if content is not None:
            extension = _first(content, "extension")
            if extension is not None:
                complex_type.base = _local_type(extension.get("base", ""))
                body = extension
        for particle in _xsd_children(body):
            self._read_particle(particle, complex_type)

    def _read_particle(self, node: etree._Element, owner: ComplexType) -> None:
        kind = etree.QName(node).localname
        if kind in ("sequence", "choice", "all"):
            for child in _xsd_children(node):
                self._read_particle(child, owner)
        elif kind == "element":
            name = node.get("name", "")
            type_attr = node.get("type")
            xsd_type: str | None = None
            type_name: str | None
            if type_attr is None:
                inline = _first(node, "complexType")
                if inline is None:
                    type_name = None
                else:
                    type_name = f"{owner.name}/{name}"
                    self._read_complex_type(inline, type_name)
            elif _is_xsd(node, type_attr):
                type_name = None
                xsd_type = _local_type(type_attr)
            else:
                local = _local_type(type_attr)
                type_name = None if local in self._simple_types else local
            owner.own.append(
                Child(
                    name=name,
                    type_name=type_name,
                    many=node.get("maxOccurs", "1") not in ("0", "1"),
                    nillable=node.get("nillable") == "true",
                    xsd_type=xsd_type,
                )
            )


def _xsd_children(node: etree._Element) -> list[etree._Element]:
    return [
        child
        for child in node
        if isinstance(child.tag, str)
        and etree.QName(child).namespace == XSD_NS
        and etree.QName(child).localname != "annotation"
    ]


def _first(node: etree._Element, local: str) -> etree._Element | None:
    for child in _xsd_children(node):
        if etree.QName(child).localname == local:
            return child
    return None


def _local_type(value: str) -> str:
    return value.rpartition(":")[2]


def _is_xsd(node: etree._Element, value: str) -> bool:
    prefix = value.rpartition(":")[0] or None
    return node.nsmap.get(prefix) == XSD_NS


@functools.lru_cache(maxsize=8)
def load_schema(path: Path) -> Schema:
    """The schema of a WSDL file, read once per process."""
    return Schema(path)


def default_wsdl_path() -> Path:
    """mcstate's own WSDL: the emulator speaks exactly the contract the client is built on."""
    from mcstate.wsdl import wsdl_path

    return wsdl_path()
