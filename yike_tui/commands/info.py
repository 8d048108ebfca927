"""``yike-tui info``: what this installation uses, with secrets masked.

Which API (ICE or the Yike product), its version, the region and the endpoint, each with
where the choice came from; the credentials and where they were looked for. Exit 3 (as
every command) when no usable credentials are found, or when the account is not enabled
for Yike (the credit read says so); with ``--demo`` it shows what the demo uses: the
built-in simulator on loopback and its demo key.
"""

from __future__ import annotations

import argparse
import platform

from yike_tui import __version__
from yike_tui.api.endpoints import APIS, Target
from yike_tui.commands.options import add_connection_arguments
from yike_tui.core import paths
from yike_tui.core.config import chosen_yike_user_id
from yike_tui.core.exits import EXIT_CREDENTIALS, EXIT_OK, error
from yike_tui.safety.safe_text import clean
from yike_tui.session import Connection, chosen_target, configured, connect, make_client

CREDITS_DEADLINE = 5.0  # seconds: info answers at once even when the API does not
YIKE_VERSION = APIS["yike"].version


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)


def _print_target(target: Target) -> None:
    api = target.api
    print(f"api:         {api.name} ({api.title}, version {api.version}; from {target.api_from})")
    print(f"region:      {target.region} (from {target.region_from})")
    print(f"endpoint:    {clean(target.endpoint, one_line=True)} ({target.endpoint_from})")


def credits_lines(conn: Connection, deadline: float = CREDITS_DEADLINE) -> tuple[list[str], str]:
    """The account's credit balance from the API in use (and the Yike product's membership),
    or why it could not be read; one try, bounded by ``deadline`` (a read, but info must
    never hang on it). ICE without a Yike user id is not asked: how to see it instead.
    Second: the account-level problem the read ran into ("" when none), for info to end
    with."""
    import asyncio
    from datetime import UTC, datetime

    from yike_tui.api.credits import (
        LOW_CREDITS,
        Credits,
        NoYikeUserId,
        describe,
        describe_membership,
        get_credits,
    )
    from yike_tui.api.endpoints import EndpointError
    from yike_tui.api.errors import ApiError, account_problem
    from yike_tui.core.config import YIKE_USER_ID_HOWTO

    async def read() -> Credits:
        async with make_client(conn, retries=0) as client:
            client.give_up_in(deadline)
            return await asyncio.wait_for(get_credits(client, retries=0), deadline)

    try:
        credits = asyncio.run(read())
    except NoYikeUserId:
        return ["credits:     not asked: " + _wrapped(YIKE_USER_ID_HOWTO, 13)], ""
    except ApiError as exc:
        return [f"credits:     not readable ({clean(exc.code, one_line=True)})"], account_problem(
            exc
        )
    except EndpointError as exc:
        return [f"credits:     not readable ({clean(str(exc), one_line=True)})"], ""
    except TimeoutError:
        return [f"credits:     not readable (no answer in {deadline:g} s)"], ""
    low = f" (below {LOW_CREDITS:,}: jobs can stop)" if credits.low else ""
    lines = [f"credits:     {describe(credits)}{low}"]
    if credits.membership is not None:
        text, soon = describe_membership(credits.membership, datetime.now(UTC))
        warning = " (warning: renew it, or jobs stop when it ends)" if soon else ""
        lines.append(f"membership:  {clean(text, one_line=True)}{warning}")
    return lines, ""


def _ended(problem: str) -> int:
    """After everything else is shown: an account that may not use Yike is exit 3, said
    once (the credit read is the one call info makes)."""
    if problem:
        error(problem)
        return EXIT_CREDENTIALS
    return EXIT_OK


def _wrapped(text: str, indent: int, width: int = 92) -> str:
    """``text`` over lines of ``width``, the ones after the first indented to line up."""
    import textwrap

    first, *rest = textwrap.wrap(text, width - indent)
    return "\n".join([first, *(" " * indent + line for line in rest)])


def _print_user_id(conn: Connection) -> None:
    if conn.api.version != YIKE_VERSION and conn.yike_user_id:
        shown = clean(conn.yike_user_id, one_line=True)
        print(f"yike user:   {shown} (from {conn.yike_user_id_from})")


def run(args: argparse.Namespace) -> int:
    from yike_tui.api.credentials import NOT_USED, CredentialsError, resolve, search_locations

    print(f"yike-tui {__version__} (Python {platform.python_version()})")
    print(f"config:      {paths.config_file()}")
    print(f"state:       {paths.state_db()}")
    print(f"log:         {paths.log_file()}")
    if args.demo:
        # The same connection every command gets with --demo: one rule, one place.
        with connect(args.options) as conn:
            assert conn.target is not None
            _print_target(conn.target)
            print("             (built-in demo simulator, a new port each run)")
            print(f"credentials: {conn.credentials.describe()}")
            _print_user_id(conn)
            lines, problem = credits_lines(conn)
            print("\n".join(lines))
            print("demo:        config.toml and the state db are not used (history in memory)")
        return _ended(problem)
    settings = configured()
    target = chosen_target(args.options, settings)  # an unknown API or region: exit 2, said first
    looked_in = "looked in:   " + "\n             ".join(search_locations())
    try:
        creds = resolve(profile=args.profile)
    except CredentialsError as exc:
        _print_target(target)
        print("credentials: none usable")
        print(f"not used:    {NOT_USED}")
        error(str(exc))  # it says where it looked, what it passed over and what to do
        return EXIT_CREDENTIALS
    target = chosen_target(args.options, settings, creds.region)
    _print_target(target)
    if creds.region and creds.region not in target.api.regions:
        print(
            f"             (the credentials' region {clean(creds.region, one_line=True)}"
            f" has no {target.api.name} endpoint: not used)"
        )
    print(f"credentials: {creds.describe()}")
    # Sources before the one used that were there but unusable (the vendor's chain skips
    # them silently): a half-set env pair or a broken profile should not go unnoticed.
    for reason in creds.passed_over:
        print(f"passed over: {clean(reason, one_line=True)}")
    user_id, user_id_from = chosen_yike_user_id(settings)
    conn = Connection(
        target.endpoint, creds, [], target.api, target.region, target, user_id, user_id_from
    )
    _print_user_id(conn)
    lines, problem = credits_lines(conn)
    print("\n".join(lines))
    print(looked_in)
    print(f"not used:    {NOT_USED}")
    return _ended(problem)
