"""Review page render latency: p50/p95 of the list and detail pages of a 100,000-target campaign,
and decisions under contention.

A real uvicorn server on 127.0.0.1 and a logged-in httpx client, on a fresh SQLite store
holding the big campaign plus 23 smaller monthly ones (two years of lists). The peer is the
REST API's JSON of the same campaign (``GET /api/v1/campaigns/{id}``): the floor set by the
framework, the session check and the database, measured in the same run.

Decision races: two logged-in reviewers post Approve and Reject on the same draft at once
(a barrier), ``RACE_ROUNDS`` times, on SQLite and, when ``PROSPECT_TEST_POSTGRES_URL`` is set,
on PostgreSQL. Figures: the share of rounds with exactly one winner and one 409 (target 100%),
and the p50 latency of a contended decision against an uncontended one (the peer).

Run: ``cd /work/main && .venv/bin/python -m bench.bench_review``
"""

from __future__ import annotations

import re
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
from sqlalchemy import text

from bench.common import figure, write_result

N_TARGETS = 100_000
N_SMALL = 23
REQUESTS = 200
WARMUP = 10
TARGET_P95_MS = 500.0
PASSWORD = "bench-password-1"


def _targets(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p_demand = np.sort(rng.beta(2, 5, n))[::-1]
    personas = np.array(["digital natives", "budget families", "savers", "travellers", "gamers"])
    return pd.DataFrame({
        "user_id": [f"u{i:07d}" for i in range(n)],
        "msisdn": [f"138{i:08d}" for i in range(n)],
        "rank": np.arange(1, n + 1),
        "persona": personas[rng.integers(0, len(personas), n)],
        "persona_name": personas[rng.integers(0, len(personas), n)],
        "p_demand": p_demand,
        "pd": rng.beta(1, 30, n),
        "score_points": rng.normal(650, 40, n).round(),
        "expected_value": p_demand * 600 - 20,
        "is_control": rng.random(n) < 0.1,
        "drivers": [["5G data flow high", "tenure 60+ months", "app-class finance"]] * n,
        "reasons": [["R01 few overdue bills; R07 stable top-ups"]] * n,
    })  # fmt: skip


def _summary(targets: pd.DataFrame, month: str) -> dict[str, Any]:
    from prospect.targeting.config import load_campaign_config
    from prospect.targeting.summary import campaign_summary

    exclusions = {"has_card": 41_000, "risk_ceiling": 22_500, "suppressed": 3_100, "age": 900}
    return campaign_summary(
        targets, load_campaign_config(), exclusions=exclusions,
        n_scored=len(targets) + sum(exclusions.values()), n_eligible=len(targets) + 5_000,
        campaign_key=month, as_of=date(2026, 10, 5),
    )  # fmt: skip


def _seed(engine: Any) -> int:
    from prospect.store import create_user, get_or_create_run, save_campaign, session_scope

    months = [f"{2025 + (k + 10) // 12}-{(k + 10) % 12 + 1:02d}" for k in range(N_SMALL + 1)]
    with session_scope(engine) as session:
        create_user(session, "bench", PASSWORD, "reviewer", actor="bench")
        for k, month in enumerate(months):
            n = N_TARGETS if month == months[-1] else 2_000
            targets = _targets(n, seed=k)
            fields = {"month": month, "batch_path": "/landing/x", "batch_checksum": f"c{k}",
                      "model_version": "m-1", "config_hash": "cfg"}  # fmt: skip
            get_or_create_run(session, f"run-{month}", fields)
            campaign = save_campaign(
                session, f"run-{month}",
                {"month": month, "name": f"Card offer {month}", "model_version": "m-1",
                 "summary": _summary(targets, month)},
                targets,
            )  # fmt: skip
        return int(campaign.id)


def _serve(app: Any) -> tuple[str, Callable[[], None]]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


def _login(client: httpx.Client, username: str = "bench") -> None:
    page = client.get("/review/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/review/login", data=form).status_code == 303


def _latencies(client: httpx.Client, path: str, **kwargs: Any) -> list[float]:
    for _ in range(WARMUP):
        client.get(path, **kwargs).raise_for_status()
    out = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(path, **kwargs).raise_for_status()
        out.append(1000 * (time.perf_counter() - start))
    return out


def _p(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 2)


def _api_key(engine: Any) -> str:
    from prospect.store import create_api_key, session_scope

    with session_scope(engine) as session:
        return create_api_key(session, name="bench", role="reviewer", created_by="bench")[1]


RACE_ROUNDS = 20


def _form(client: httpx.Client, campaign_id: int, decision: str) -> dict[str, str]:
    page = client.get(f"/review/campaigns/{campaign_id}").text
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    return {**hidden, "decision": decision, "comment": f"bench {decision}"}


def _timed_post(client: httpx.Client, url: str, form: dict[str, str]) -> tuple[int, float]:
    start = time.perf_counter()
    status = client.post(url, data=form).status_code
    return status, 1000 * (time.perf_counter() - start)


def _race_round(clients: list[httpx.Client], campaign_id: int) -> list[tuple[int, float]]:
    url = f"/review/campaigns/{campaign_id}/decision"
    forms = [
        _form(c, campaign_id, d) for c, d in zip(clients, ("approved", "rejected"), strict=True)
    ]
    barrier = threading.Barrier(2)
    out: list[Any] = [None, None]

    def go(i: int) -> None:
        barrier.wait()
        out[i] = _timed_post(clients[i], url, forms[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _races(app: Any) -> dict[str, Any]:
    """Contended and uncontended decisions on ``app``'s database; counts and latencies."""
    from prospect.store import create_user, session_scope

    engine = app.state.engine
    with session_scope(engine) as session:
        create_user(session, "rival", PASSWORD, "reviewer", actor="bench")
        if session.scalar(text("SELECT count(*) FROM users WHERE username = 'bench'")) == 0:
            create_user(session, "bench", PASSWORD, "reviewer", actor="bench")
    base, stop = _serve(app)
    one_winner, contended, alone = 0, [], []
    try:
        with (
            httpx.Client(base_url=base, timeout=120) as a,
            httpx.Client(base_url=base, timeout=120) as b,
        ):
            _login(a)
            _login(b, "rival")
            for k in range(RACE_ROUNDS):
                cid = _draft(engine, f"2040-{k % 12 + 1:02d}", f"race{k}")
                results = _race_round([a, b], cid)
                one_winner += sorted(s for s, _ in results) == [303, 409]
                contended.extend(ms for _, ms in results)
                solo = _draft(engine, f"2041-{k % 12 + 1:02d}", f"solo{k}")
                url = f"/review/campaigns/{solo}/decision"
                alone.append(_timed_post(a, url, _form(a, solo, "rejected"))[1])
    finally:
        stop()
    return {"rounds": RACE_ROUNDS, "one_winner": one_winner, "contended": contended,
            "alone": alone}  # fmt: skip


def _draft(engine: Any, month: str, tag: str) -> int:
    from prospect.store import get_or_create_run, save_campaign, session_scope

    fields = {"month": month, "batch_path": "/landing/x", "batch_checksum": tag,
              "model_version": "m-1", "config_hash": "cfg"}  # fmt: skip
    with session_scope(engine) as session:
        get_or_create_run(session, f"run-{tag}", fields)
        row = save_campaign(session, f"run-{tag}", {"month": month, "name": tag,
                            "model_version": "m-1"}, _targets(50, seed=1))  # fmt: skip
        return int(row.id)


def _race_figures(backend: str, race: dict[str, Any]) -> list[dict[str, Any]]:
    share = round(race["one_winner"] / race["rounds"], 3)
    return [
        figure(f"decision races with exactly one winner and one 409 ({backend}, "
               f"{race['rounds']} rounds)", share, "share", target="= 1.0", met=share == 1.0),
        figure(f"contended decision p50 latency ({backend})",
               _p(race["contended"], 50), "ms", peer="uncontended decision p50",
               peer_value=_p(race["alone"], 50), higher_is_better=False),
    ]  # fmt: skip


def _postgres_races() -> list[dict[str, Any]]:
    """The races on a fresh schema of ``PROSPECT_TEST_POSTGRES_URL``; none when it is unset."""
    import os
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from api.main import create_app
    from prospect.settings import get_settings
    from prospect.store import upgrade

    server = os.environ.get("PROSPECT_TEST_POSTGRES_URL")
    if not server:
        return []
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        settings = get_settings().model_copy(
            update={"database_url": url.render_as_string(hide_password=False)}
        )
        upgrade(settings.db_url)
        app = create_app(settings)
        try:
            return _race_figures("PostgreSQL", _races(app))
        finally:
            app.state.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def main() -> None:
    import os

    from prospect.settings import get_settings
    from prospect.store import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(PROSPECT_DATA_DIR=str(Path(tmp) / "var"), PROSPECT_ENVIRONMENT="test")
        get_settings.cache_clear()
        settings = get_settings()
        upgrade(settings.db_url)
        from api.main import create_app

        app = create_app(settings)
        t0 = time.perf_counter()
        big = _seed(app.state.engine)
        seed_s = time.perf_counter() - t0
        key = _api_key(app.state.engine)
        base, stop = _serve(app)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                _login(client)
                runs = {
                    "list": _latencies(client, "/review"),
                    "detail": _latencies(client, f"/review/campaigns/{big}"),
                    "api": _latencies(client, f"/api/v1/campaigns/{big}",
                                      headers={"Authorization": f"Bearer {key}"}),
                }  # fmt: skip
        finally:
            stop()
        race = _races(app)
        app.state.engine.dispose()
    figures = []
    for page in ("list", "detail"):
        for q in (50, 95):
            value = _p(runs[page], q)
            figures.append(figure(
                f"review {page} page p{q} latency ({N_TARGETS:,}-target campaign)", value, "ms",
                target=f"p95 <= {TARGET_P95_MS:.0f} ms" if q == 95 else None,
                met=value <= TARGET_P95_MS if q == 95 else None,
                peer=f"REST API campaign JSON p{q}", peer_value=_p(runs["api"], q),
                higher_is_better=False,
            ))  # fmt: skip
    figures += _race_figures("SQLite", race) + _postgres_races()
    details = {"requests_per_page": REQUESTS, "race_rounds": RACE_ROUNDS, "warmup": WARMUP,
               "campaigns": N_SMALL + 1,
               "seed_seconds": round(seed_s, 1), "server": "uvicorn, 1 process, SQLite",
               "note": "2 shared cores under load from other jobs: timings are noisy"}  # fmt: skip
    path = write_result("review", figures, details)
    for row in figures:
        print(f"{row['name']}: {row['value']} {row['unit']} (peer {row.get('peer_value')})")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
