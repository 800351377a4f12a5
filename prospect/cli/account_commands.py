"""Account commands: ``prospect users``, ``prospect keys`` and ``prospect db``.

Every command upgrades the schema first, so a fresh data directory just works.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from prospect.cli.app import app, console, err_console, fail, open_database
from prospect.store import (
    StoreError,
    create_api_key,
    create_user,
    list_api_keys,
    make_engine,
    revoke_api_key,
    session_scope,
    set_active,
    set_password,
    set_pii_access,
    unlock_logins,
)

users_app = typer.Typer(help="Review-page users (login with a password).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for the CRM and channel systems.", no_args_is_help=True)
db_app = typer.Typer(help="The SQL database.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")

ROLE_HELP = "viewer, reviewer or admin."
STDIN_HELP = "Read the password from the first line of stdin."
PII_HELP = "May see personal data (msisdn) in full, whatever the role."


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@contextmanager
def _session() -> Iterator[Session]:
    """A committed-or-rolled-back session on the configured database, errors shown plainly."""
    engine = make_engine(open_database().db_url)
    try:
        with session_scope(engine) as session:
            yield session
    except (ValueError, StoreError) as exc:
        fail(str(exc))
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    open_database()
    console.print("database schema is up to date")


@users_app.command("create")
def users_create(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    pii: bool = typer.Option(False, "--pii", help=PII_HELP),
) -> None:
    """Create a review-page user; the password is prompted for (hidden) unless piped."""
    password = _read_password(password_stdin)
    with _session() as session:
        user = create_user(session, username, password, role, actor=_actor(), pii_access=pii)
        console.print(f"created user {user.username!r} (id {user.id}, role {user.role}"
                      f"{', sees personal data' if pii else ''})")  # fmt: skip


@users_app.command("pii")
def users_pii(
    username: str = typer.Argument(..., help="Login name."),
    revoke: bool = typer.Option(False, "--revoke", help="Withdraw the grant instead."),
) -> None:
    """Let a user see personal data (msisdn) in full on the review page, or stop it."""
    with _session() as session:
        set_pii_access(session, username, not revoke, actor=_actor())
    console.print(f"{username!r} {'no longer sees' if revoke else 'now sees'} personal data")


@users_app.command("unlock")
def users_unlock(
    username: str = typer.Argument("", help="Login name to unlock (or use --client)."),
    client: str = typer.Option("", "--client", help="A client address to unlock instead."),
) -> None:
    """Lift a login lock left by too many failed passwords (per username or per client)."""
    if bool(username) == bool(client):
        fail("give either a USERNAME or --client ADDRESS.")
    scope, subject = ("client", client) if client else ("user", username)
    with _session() as session:
        found = unlock_logins(session, scope, subject, actor=_actor())
    what = f"client {subject}" if client else f"user {subject!r}"
    console.print(f"unlocked {what}" if found else f"{what} was not locked; nothing to do")


@users_app.command("password")
def users_password(
    username: str = typer.Argument(..., help="Login name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Set a new password; the user's open review-page sessions end at once."""
    password = _read_password(password_stdin)
    with _session() as session:
        set_password(session, username, password, actor=_actor())
    console.print(f"password of {username!r} changed; their open sessions have ended")


@users_app.command("disable")
def users_disable(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Disable a user: no more logins, and their open review-page sessions end at once."""
    with _session() as session:
        set_active(session, username, False, actor=_actor())
    console.print(f"disabled user {username!r}; their open sessions have ended")


@users_app.command("enable")
def users_enable(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Let a disabled user log in again (sessions ended by disabling stay ended)."""
    with _session() as session:
        set_active(session, username, True, actor=_actor())
    console.print(f"enabled user {username!r}")


def _read_password(from_stdin: bool) -> str:
    """The first line of stdin, or a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    name: str = typer.Option(..., "--name", help="Who or what uses the key, e.g. 'crm-sync'."),
    pii: bool = typer.Option(False, "--pii", help="Allow the key to read msisdn (PII)."),
) -> None:
    """Create an API key and print it once on stdout; only its hash is stored."""
    with _session() as session:
        row, key = create_api_key(
            session, name=name, role=role, pii_access=pii, created_by=_actor()
        )
        err_console.print(
            f"API key {row.id} ({row.name}, role {row.role}, pii {row.pii_access}); "
            "store it now, it cannot be shown again:",
            soft_wrap=True,
        )
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    active_only: bool = typer.Option(False, "--active", help="Hide revoked keys."),
) -> None:
    """List API keys by id, name and prefix (never the secret)."""
    table = Table("id", "name", "prefix", "role", "pii", "created", "created by", "revoked")
    for column in table.columns[:3]:
        column.no_wrap = True
    with _session() as session:
        for row in list_api_keys(session, include_revoked=not active_only):
            revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else ""
            pii = "yes" if row.pii_access else "no"
            table.add_row(
                str(row.id), row.name, row.prefix, row.role, pii,
                f"{row.created_at:%Y-%m-%d %H:%M}", row.created_by, revoked,
            )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: int = typer.Argument(..., help="The key's id (see `prospect keys list`)."),
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    with _session() as session:
        row = revoke_api_key(session, key_id, actor=_actor())
        console.print(f"revoked API key {row.id} ({row.name})")
