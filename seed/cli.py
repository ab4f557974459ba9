"""`flask seed demo`: load the demo data (idempotent)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from seed.builders import DEMO_PASSPHRASE, DEMO_PASSWORD, DEMO_TOTP_KEY, seed_demo


@click.group("seed")
def seed_cli() -> None:
    """Load demo data."""


@seed_cli.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo corridors, organisations, jobs and users (safe to run twice)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("refusing to load demo accounts in production")
    result = seed_demo()
    click.echo(f"occupations added: {result['occupations']}")
    for key in ("corridors", "sources", "organisations", "jobs", "reviews"):
        click.echo(f"{key} added: {result[key]}")
    users = result["users"]
    click.echo(f"users added: {len(users)}")
    for role, email in users:
        click.echo(f"  {role:<9} {email}")
    if users:
        click.echo(f"Every demo account's password (development only): {DEMO_PASSWORD}")
    if result["second_factor"]:
        click.echo(f"Admins and reviewers then give a code from an authenticator app with "
                   f"the key {DEMO_TOTP_KEY} (development only), or print one with:\n"
                   f"  .venv/bin/python -c \"import pyotp; "
                   f"print(pyotp.TOTP('{DEMO_TOTP_KEY}').now())\"")
    if result["sources"]:
        click.echo("Job sources added; `flask aggregate` reads them (the first run embeds the "
                   "ESCO labels once, a few minutes).")
    if result["register_key"]:
        click.echo("Register signing key created under the instance folder.")
    if result["grievance_keys"]:
        click.echo(f"Reviewers unlock grievance reports with (development only): "
                   f"{DEMO_PASSPHRASE}")
