"""The account's credit balance, read now and then for the status bar and the detail pane.

One bounded try at a time (no retries: a balance is not worth a wait, and the next read is
minutes away), never two in flight, and never in the engine's way: it runs beside the engine
and keeps only the last answer, when it came, and the last error. An account whose API does
not offer Yike credits (Forbidden, NoPermission, InvalidAction...) is not asked again for the
session and shows nothing: that is not an error for the person watching jobs. On ICE without
a Yike user id the balance is never asked for, and ``note`` says how to see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from yike_tui.api.credits import Credits, NoYikeUserId, get_credits
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.safety.safe_text import clean

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient


# Where the balance would be, on ICE without a Yike user id: the setting to set (`yike-tui
# info` tells the rest: config.YIKE_USER_ID_HOWTO).
NO_USER_ID_NOTE = "credits: set yike_user_id (yike-tui info)"

log = logging.getLogger(__name__)

EVERY = 600.0  # seconds between reads: the balance moves by a job's worth in minutes
DEADLINE = 15.0  # seconds one read may take, whatever the client's own timeouts
# Answers that say this account or API has no credits to read: asking again will not help.
_NOT_OFFERED = frozenset({ErrorKind.PERMISSION, ErrorKind.PARAMETER, ErrorKind.NOT_FOUND})

Reader = Callable[[], Awaitable[Credits]]


class CreditWatch:
    def __init__(
        self,
        read: Reader,
        *,
        every: float = EVERY,
        deadline: float = DEADLINE,
        wall: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._read, self.every, self.deadline = read, every, deadline
        self._wall, self._on_change = wall, on_change
        self.credits: Credits | None = None  # the last balance read
        self.read_at: float | None = None  # when (wall clock)
        self.error = ""  # the last read's failure, one line; "" after a good read
        self.not_offered = False  # the API said no: not asked again this session
        self.no_user_id = False  # ICE without a Yike user id: never asked
        self.asked = 0  # reads started
        self._in_flight = False
        self._soon = asyncio.Event()

    @classmethod
    def of_client(
        cls, client: ApiClient, *, on_change: Callable[[], None] | None = None
    ) -> CreditWatch:
        """Reads the balance of the API ``client`` speaks (ICE or the Yike product)."""
        return cls(lambda: get_credits(client, retries=0), on_change=on_change)

    @property
    def note(self) -> str:
        """What to show where the balance would be, when there is none to show: how to see
        it on ICE; "" otherwise (an account without credits shows nothing)."""
        return NO_USER_ID_NOTE if self.no_user_id else ""

    @property
    def shown(self) -> Credits | None:
        """The balance to show, or None: never read, or the account has none."""
        return None if self.not_offered else self.credits

    def soon(self) -> None:
        """Read again now rather than at the next interval (a job was just submitted)."""
        self._soon.set()

    async def check(self) -> None:
        """One bounded read; does nothing while another is in flight or after a refusal."""
        if self._in_flight or self.not_offered:
            return
        self._in_flight = True
        self.asked += 1
        before = (self.shown, self.note)
        try:
            credits = await asyncio.wait_for(self._read(), self.deadline)
        except NoYikeUserId as err:
            self.error = clean(str(err), one_line=True)
            self.no_user_id = self.not_offered = True
            log.info("credits not asked: no Yike user id (the setting yike_user_id)")
        except ApiError as err:
            self.error = clean(str(err), one_line=True)
            if err.kind in _NOT_OFFERED:
                self.not_offered = True
                log.info("credits not offered to this account, not asked again: %s", self.error)
            else:
                log.info("credits not read: %s", self.error)
        except TimeoutError:
            self.error = f"no answer in {self.deadline:g} s"
            log.info("credits not read: %s", self.error)
        except OSError as exc:
            self.error = clean(f"{type(exc).__name__}: {exc}", one_line=True)
            log.info("credits not read: %s", self.error)
        else:
            self.credits, self.read_at, self.error = credits, self._wall(), ""
        finally:
            self._in_flight = False
        if (self.shown, self.note) != before and self._on_change is not None:
            self._on_change()

    async def run(self) -> None:
        """Read now, then every ``every`` seconds or when asked ``soon``; ends after a
        refusal. Cancelled with the screen that started it."""
        while not self.not_offered:
            self._soon.clear()
            await self.check()
            if self.not_offered:
                return  # a worker left waiting out the interval for nothing
            with contextlib.suppress(TimeoutError):  # the interval is over: read again
                await asyncio.wait_for(self._soon.wait(), self.every)
