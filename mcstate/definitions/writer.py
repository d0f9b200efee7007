"""Writing definitions as YAML in the style a person writes them (see the repository's definitions/).

Mappings and lists are written in block style, except those wrapped in `Flow` / `FlowList`, which are
written on one line: `- {name: Email, type: EmailAddress, required: true}`. Strings are written plain
unless YAML would read them as something else (`"true"`, `"0"`, `"~"`) or they need escaping, then in double
quotes; text of several lines is written as a literal block. Dates and times stay plain
(`start: 2026-01-05T02:00:00`): mcstate's loader reads them as the text they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# The loader reads the YAML 1.1 booleans yes/no/on/off as booleans; those (and numbers, null) are quoted.
# Beyond this width PyYAML would fold long plain strings over several lines.
_NO_WRAPPING = 1_000_000


class Flow(dict[str, Any]):
    """A mapping written on one line: {field: City, operator: equals, value: Seattle}."""


class FlowList(list[Any]):
    """A list written on one line: [Monday, Friday]."""


class _Emitter(yaml.emitter.Emitter):
    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        # Double quotes read like JSON and can hold anything; PyYAML's first choice would be single quotes.
        return '"' if style == "'" else style

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists under a key are indented below it ("fields:\n  - {...}"), as in the examples.
        super().increase_indent(flow, False)


class _Resolver(yaml.resolver.Resolver):
    pass


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


class _Representer(yaml.representer.SafeRepresenter):
    def represent_str(self, data: str) -> yaml.ScalarNode:
        style = "|" if "\n" in data else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_flow(self, data: Mapping[str, Any]) -> yaml.MappingNode:
        return self.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)

    def represent_flow_list(self, data: list[Any]) -> yaml.SequenceNode:
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Representer.add_representer(str, _Representer.represent_str)
_Representer.add_representer(Flow, _Representer.represent_flow)
_Representer.add_representer(FlowList, _Representer.represent_flow_list)


class _Dumper(_Emitter, yaml.serializer.Serializer, _Representer, _Resolver):
    def __init__(self, stream: Any, **options: Any) -> None:
        _Emitter.__init__(
            self,
            stream,
            canonical=False,
            indent=2,
            width=_NO_WRAPPING,
            allow_unicode=True,
            line_break=options.get("line_break"),
        )
        yaml.serializer.Serializer.__init__(self, explicit_start=False, explicit_end=False)
        _Representer.__init__(self, default_style=None, default_flow_style=False, sort_keys=False)
        _Resolver.__init__(self)


def dump_document(data: Mapping[str, Any]) -> str:
    """One definition as YAML text, attributes in the order of `data`."""
    text: str = yaml.dump(dict(data), Dumper=_Dumper)
    return text


def schema_comment(schema_reference: str) -> str:
    """The first line of a definitions file: editors that understand it validate and complete the file."""
    return f"# yaml-language-server: $schema={schema_reference}\n"
