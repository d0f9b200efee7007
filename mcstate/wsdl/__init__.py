"""The packaged subset of the Marketing Cloud partner API WSDL."""

from importlib.resources import files
from pathlib import Path


def wsdl_path() -> Path:
    """Path of the packaged etframework.wsdl (its fault XSD sits beside it)."""
    return Path(str(files("mcstate.wsdl").joinpath("etframework.wsdl")))
