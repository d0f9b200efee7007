"""Injected faults and long filter value lists."""

from __future__ import annotations

from typing import Any

from mcstate.emulator.ruleset.common import ApiError

# -- injected faults (emulator serve --faults) ---------------------------------------------------------------
# The answers the service gives when it is overloaded or fails; the emulator gives them only when a fault
# profile asks for them (faults.py decides when).

RATE_LIMITED_CODE = 17
RATE_LIMITED_MESSAGE = (
    "Your account has been rate limited temporarily because of an abnormal spike in your call volume. "
    "Try again later."
)
"""Result ErrorCode 17 and its text for a write the service refused because the account is rate limited
(the documented meaning of code 17; the exact text is the emulator's choice)."""

SERVER_BUSY_CODE = 13
SERVER_BUSY_MESSAGE = "Synchronous request cannot be completed at this time due to database problems"
"""The soap:Server fault (HTTP 500, detail/apifault Code 13) the service answers when it sheds load; the
documented text of code 13."""

GENERAL_EXCEPTION_CODE = 2


def general_exception(operation: str, error_id: int) -> ApiError:
    """Result ErrorCode 2 for one object of a batch that failed inside the service (the documented text;
    the ErrorID is the emulator's choice)."""
    return ApiError(GENERAL_EXCEPTION_CODE, f"Exception occurred during [{operation}] ErrorID: {error_id}")


REST_SERVER_ERROR: dict[str, Any] = {"message": "An error has occurred.", "errorcode": 0}
"""Emulator's choice: the JSON body of a REST call answered HTTP 500."""

REST_RATE_LIMITED: dict[str, Any] = {"message": RATE_LIMITED_MESSAGE, "errorcode": RATE_LIMITED_CODE}
"""Emulator's choice: a rate-limited REST call is answered HTTP 429 with this body."""


# -- Retrieve filters: long value lists ----------------------------------------------------------------------

FILTER_VALUES_MAX_CHARACTERS = 4000
"""Emulator's choice: the values of one IN filter, joined by commas, may be at most this long. The service
has refused long IN lists on DataExtensionField with a SQL truncation error (limit not documented; 4000 is
SQL Server's nvarchar(4000)); the emulator applies the limit to every Retrieve."""

FILTER_VALUES_TOO_LONG = "Error: String or binary data would be truncated. The statement has been terminated."
"""The OverallStatus of a Retrieve whose IN list is too long (the reported text)."""
