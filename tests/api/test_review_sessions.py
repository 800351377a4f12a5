"""Review-page sessions live on the server: logout, ``prospect users disable`` or a new password
end them for every copy of the cookie; they end when idle; login always issues a new id."""

from __future__ import annotations

import getpass
import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from tests.api.test_review_pages import (
    PASSWORD,
    cookie_signer,
    csrf_of,
    fast_password_hashing,  # noqa: F401 (autouse fixture)
    login,
    seeded,  # noqa: F401 (fixture: users rita, vic and ada)
)

pytestmark = pytest.mark.usefixtures("seeded")
COOKIE = "prospect_review"


def _sid(client: TestClient, settings) -> str | None:
    """The session id the client's cookie carries."""
    return cookie_signer(settings).loads(client.cookies.get(COOKIE))["sid"]


def replay(app, cookie: str, path: str = "/review"):
    """GET ``path`` from a new browser holding a copy of ``cookie`` (e.g. a stolen one)."""
    with TestClient(app) as thief:
        thief.cookies.set(COOKIE, cookie, path="/review")
        return thief.get(path, follow_redirects=False)


def log_out(client: TestClient):
    token = csrf_of(client.get("/review").text)
    return client.post("/review/logout", data={"csrf_token": token}, follow_redirects=False)


def audit_actions(engine, username: str) -> list[tuple[str, str]]:
    from prospect.store import User, audit_trail, session_scope

    with session_scope(engine) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        return [(e.actor, e.action) for e in audit_trail(session, "users", user_id)]


def test_a_copy_of_the_cookie_is_useless_after_logout(client, api_app, api_engine):
    login(client, "rita")
    stolen = client.cookies.get(COOKIE)
    assert replay(api_app, stolen).status_code == 200
    response = log_out(client)
    assert response.headers["location"] == "/review/login?done=out"
    replayed = replay(api_app, stolen)
    assert (replayed.status_code, replayed.headers["location"]) == (303, "/review/login")
    form = replay(api_app, stolen, "/review/login")  # the login form, not a redirect loop
    assert form.status_code == 200 and 'name="password"' in form.text
    assert audit_actions(api_engine, "rita") == [
        ("test", "user.created"), ("rita", "user.login"), ("rita", "user.logout"),
    ]  # fmt: skip


def test_login_issues_a_new_session_id_and_stores_only_its_hash(
    client, api_app, api_engine, api_settings
):
    from prospect.store import LoginSession, session_scope

    client.get("/review/login")
    before = client.cookies.get(COOKIE)
    assert _sid(client, api_settings) is None  # no row before login
    login(client, "rita")
    first = _sid(client, api_settings)
    assert replay(api_app, before).status_code == 303  # a planted pre-login cookie stays out
    token = csrf_of(client.get("/review").text)
    form = {"username": "rita", "password": PASSWORD, "csrf_token": token}
    client.post("/review/login", data=form, follow_redirects=False)  # logging in again
    second = _sid(client, api_settings)
    assert len({first, second}) == 2 and len(first) >= 43
    with session_scope(api_engine) as session:
        rows = session.execute(select(LoginSession.session_hash, LoginSession.revoked_at)).all()
    digest = {h: revoked is not None for h, revoked in rows}
    assert digest == {hashlib.sha256(first.encode()).hexdigest(): True,
                      hashlib.sha256(second.encode()).hexdigest(): False}  # fmt: skip


@pytest.mark.parametrize(
    ("command", "stdin"),
    [(["users", "disable", "rita"], None),
     (["users", "password", "rita", "--password-stdin"], "brand-new-pass\n")],
)  # fmt: skip
def test_disabling_or_a_new_password_ends_open_sessions(
    client, api_app, api_engine, command, stdin
):
    from prospect.cli import app as cli

    login(client, "rita")
    stolen = client.cookies.get(COOKIE)
    with TestClient(api_app) as other:
        login(other, "vic")
        result = CliRunner().invoke(cli, command, input=stdin)
        assert result.exit_code == 0, result.output
        assert "their open sessions have ended" in result.stdout
        assert client.get("/review", follow_redirects=False).status_code == 303
        assert other.get("/review").status_code == 200  # vic's session is untouched
    assert login(client, "rita").status_code == 401  # disabled, or the old password
    action = {"disable": "user.disabled", "password": "user.password_changed"}[command[1]]
    assert audit_actions(api_engine, "rita")[-1] == ("cli:" + getpass.getuser(), action)
    if command[1] == "disable":
        assert CliRunner().invoke(cli, ["users", "enable", "rita"]).exit_code == 0
        # enabling again does not bring the session open before disabling back to life
        assert replay(api_app, stolen).status_code == 303
        assert login(client, "rita").status_code == 303
    else:
        assert login(client, "rita", "brand-new-pass").status_code == 303


def test_account_commands_name_an_unknown_user(settings):
    from prospect.cli import app as cli

    result = CliRunner().invoke(cli, ["users", "disable", "nobody"])
    assert result.exit_code == 2 and "no user 'nobody'" in result.stderr


def idle_for(engine, minutes: int) -> None:
    """Pretend every session's last request was ``minutes`` ago."""
    from prospect.store import LoginSession, session_scope
    from prospect.store.types import utcnow

    with session_scope(engine) as session:
        seen = utcnow() - timedelta(minutes=minutes)
        session.execute(update(LoginSession).values(last_seen_at=seen))


def test_an_idle_session_ends_and_an_active_one_goes_on(client, api_engine):
    from prospect.store import LoginSession, session_scope
    from prospect.store.types import utcnow

    login(client, "rita")
    idle_for(api_engine, 29)
    assert client.get("/review", follow_redirects=False).status_code == 200
    with session_scope(api_engine) as session:  # that request restarted the idle clock
        seen = session.scalar(select(LoginSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)
    idle_for(api_engine, 31)
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_idle_timeout_and_lifetime_come_from_settings(client, api_settings, api_engine):
    from prospect.store import LoginSession, session_scope

    api_settings.session_idle_timeout = 5 * 60
    api_settings.session_max_age = 3600
    assert "Max-Age=3600" in login(client, "rita").headers["set-cookie"]
    with session_scope(api_engine) as session:
        row = session.scalars(select(LoginSession)).one()
    assert row.expires_at - row.created_at == timedelta(hours=1)
    idle_for(api_engine, 6)
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_session_timeouts_must_be_positive():
    from pydantic import ValidationError

    from prospect.settings import Settings

    with pytest.raises(ValidationError, match="session_idle_timeout"):
        Settings(_env_file=None, session_idle_timeout=0)
