"""`flask grievance init-keys | change-passphrase | purge`: the reviewers' key and housekeeping."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.errors import Conflict, ValidationError


@click.group("grievance")
def grievance_cli() -> None:
    """Complaints and anonymous reports."""


@grievance_cli.command("init-keys")
@click.password_option("--passphrase", prompt="Reviewers' passphrase",
                       help="Shared by the reviewers; read from the terminal when omitted.")
@with_appcontext
def init_keys(passphrase: str) -> None:
    """Create the reviewers' keypair; the private key is stored only under the passphrase.

    Reports are sealed to the public key; reviewers unlock the private key with the
    passphrase once per session. If the passphrase is lost, no report can be read.
    """
    from grievance.keyring import create_keys
    try:
        key = create_keys(passphrase)
    except (ValidationError, Conflict) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Reviewers' key created. Fingerprint: {key.fingerprint}")


@grievance_cli.command("change-passphrase")
@click.option("--old", prompt="Current passphrase", hide_input=True)
@click.password_option("--new", prompt="New passphrase")
@with_appcontext
def change_passphrase(old: str, new: str) -> None:
    """Re-wrap the private key under a new passphrase; unlocked sessions end."""
    from grievance.keyring import change_passphrase as change
    try:
        key = change(old, new)
    except ValidationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Passphrase changed for key {key.fingerprint}.")


@grievance_cli.command("purge")
@with_appcontext
def purge() -> None:
    """Forget spent form tokens and old receipt counters (safe to run daily)."""
    from grievance.housekeeping import purge_old_records
    counts = purge_old_records()
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))
