"""The loader's resolver remembers resolutions, and resolves every scalar as PyYAML's safe loader does."""

from __future__ import annotations

import itertools

import yaml

from mcstate.definitions.loader import _Loader, _SafeLoader

VALUES = ["1", "-0", "1.5", ".inf", "0x1F", "0o17", "true", "True", "yes", "off", "null", "~", "",
          "2024-01-01", "2024-01-01T10:00:00Z", "Text", "GetDate()", "<<", "=", "1_000"]  # fmt: skip
STYLES = [(True, False), (False, True), (False, False)]


def test_cached_resolution_is_pyyaml_resolution() -> None:
    for _ in range(2):  # the second round answers from the cache
        for value, implicit in itertools.product(VALUES, STYLES):
            loader = _Loader("")
            reference = _SafeLoader("")
            assert loader.resolve(yaml.ScalarNode, value, implicit) == reference.resolve(
                yaml.ScalarNode, value, implicit
            ), (value, implicit)
            loader.dispose()
            reference.dispose()
