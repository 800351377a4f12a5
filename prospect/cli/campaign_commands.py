"""``prospect send``, ``prospect contacts`` and ``prospect responses``: what happens after a
list is approved (the same store path as ``/api/v1/campaigns/{id}/contacts`` and responses)."""

from __future__ import annotations

from pathlib import Path

import typer

from prospect.cli.app import app, console, fail, open_database
from prospect.exceptions import ProspectError
from prospect.outcomes import mark_sent, record_contacts, report_responses
from prospect.store import make_engine, session_scope
from prospect.targeting import read_contact_file


@app.command()
def send(
    campaign_id: int = typer.Argument(..., help="An approved campaign."),
    channel: str = typer.Option("sms", "--channel", help="Channel the list was sent on."),
) -> None:
    """Record the approved list as contacted (control group excluded) for later contact caps."""
    settings = open_database()
    try:
        with session_scope(make_engine(settings.db_url)) as session:
            n = mark_sent(session, campaign_id, channel=channel, actor="cli")
    except ProspectError as exc:
        fail(exc)
    message = f"recorded {n} contacts" if n else "already recorded as sent; nothing written"
    console.print(f"campaign {campaign_id}: {message}")


@app.command()
def contacts(
    campaign_id: int = typer.Argument(..., help="An approved campaign."),
    file: Path = typer.Argument(..., help="CSV with user_id, contacted_at and channel."),
    channel: str | None = typer.Option(None, "--channel", help="Channel of every row."),
) -> None:
    """Record the contacts the CRM actually sent (refused ids are counted and named)."""
    settings = open_database()
    try:
        rows = read_contact_file(file, channel=channel)
        with session_scope(make_engine(settings.db_url)) as session:
            result = record_contacts(session, campaign_id, rows, actor="cli")
    except (ProspectError, ValueError) as exc:
        fail(exc)
    console.print(f"campaign {campaign_id}: {result['accepted']} of {result['received']} "
                  f"contacts accepted, {result['refused']} refused")  # fmt: skip
    if result["refused"]:
        console.print(f"refused (not on the list or in the control): {result['refused_ids']}",
                      markup=False)  # fmt: skip


@app.command()
def responses(
    campaign_id: int = typer.Argument(..., help="A sent campaign."),
    file: Path = typer.Argument(
        ..., help="CSV with user_id, optionally took_card (0/1) and taken_on (YYYY-MM-DD)."
    ),
) -> None:
    """Load who took a card and report the take-up of contacted targets against control."""
    settings = open_database()
    try:
        with session_scope(make_engine(settings.db_url)) as session:
            report = report_responses(session, settings, campaign_id, file, actor="cli")
    except (ProspectError, ValueError) as exc:
        fail(exc)
    level = int(report["confidence"] * 100)
    for group in ("contacted", "control"):
        r = report[group]
        if not r["n"]:
            console.print(f"{group:9s} nobody in this group")
            continue
        console.print(
            f"{group:9s} {r['takers']:>7} / {r['n']:<7} take-up {r['rate']:.2%} "
            f"({level}% CI {r['ci_low']:.2%} to {r['ci_high']:.2%})"
        )
    if report["uplift"]:
        u = report["uplift"]
        console.print(
            f"uplift    {u['difference']:+.2%} ({level}% CI {u['ci_low']:+.2%} to "
            f"{u['ci_high']:+.2%})"
        )
    if report["incremental"]:
        i = report["incremental"]
        console.print(
            f"incremental cardholders {i['cardholders']:+.1f} ({level}% CI {i['ci_low']:+.1f} "
            f"to {i['ci_high']:+.1f})"
        )
    loaded = report["loaded"]
    if loaded["refused"]:
        console.print(f"{loaded['refused']} response(s) refused (not on the list or its control): "
                      f"{loaded['refused_ids']}", markup=False)  # fmt: skip
    console.print(f"written to {report['path']}", markup=False)
