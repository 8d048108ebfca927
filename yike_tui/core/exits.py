"""How a run ends: exit codes, the errors that pick one, and the one-line message.

Exit codes (documented in README): 0 ok, 1 API or network error, 2 usage error (or a state
db another process keeps locked), 3 no or unusable credentials, or an account that may not
use Yike, 4 ``watch --until-done`` stopped at a Suspended job (it waits for a person).
Below ``commands`` and ``ui`` because ``session`` and the store raise these errors for both.
"""

from __future__ import annotations

import sys

from yike_tui.safety.safe_text import clean

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3
EXIT_SUSPENDED = 4


class UsageError(Exception):
    """Bad input from the user: exit code 2 and one clear line."""


class StateDbBusy(UsageError):
    """Another process kept the state db locked for the whole wait: exit 2 and one line
    (what holds it, when that can be found). Never an empty watch list shown as the truth."""


class CredentialsUnusable(Exception):
    """No usable credentials: exit code 3."""


class AccountUnusable(CredentialsUnusable):
    """The credentials work, but the account may not use Yike (not enabled for it): exit
    code 3 too. Nothing any job or retry could change, so a command ends at the first."""


def error(message: str) -> None:
    print(f"yike-tui: {clean(message)}", file=sys.stderr)
