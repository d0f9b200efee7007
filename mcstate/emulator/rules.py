"""The rules of the Marketing Cloud service, with the error codes and messages it answers, and the
emulator's named choices.

This is the one place where the emulator decides what the service accepts: one module per object type
under emulator/ruleset/ (common, dataextension, datafolder, importdefinition, querydefinition, rest,
filterdefinition, filteractivity, automation, rows, runs, faults), gathered here so that a handler writes
`rules.NAME`. Where the real behaviour is not documented, the choice made is a named constant or function
whose docstring says it is the emulator's choice, so it can be changed in one place when the real
behaviour is learnt.
"""

from mcstate.emulator.ruleset.automation import *  # noqa: F403
from mcstate.emulator.ruleset.common import *  # noqa: F403
from mcstate.emulator.ruleset.dataextension import *  # noqa: F403
from mcstate.emulator.ruleset.datafolder import *  # noqa: F403
from mcstate.emulator.ruleset.faults import *  # noqa: F403
from mcstate.emulator.ruleset.filteractivity import *  # noqa: F403
from mcstate.emulator.ruleset.filterdefinition import *  # noqa: F403
from mcstate.emulator.ruleset.importdefinition import *  # noqa: F403
from mcstate.emulator.ruleset.querydefinition import *  # noqa: F403
from mcstate.emulator.ruleset.rest import *  # noqa: F403
from mcstate.emulator.ruleset.rows import *  # noqa: F403
from mcstate.emulator.ruleset.runs import *  # noqa: F403
