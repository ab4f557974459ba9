"""`flask register init-key | verify FILE | export FILE`: the register's signing key and copies."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.errors import Conflict


@click.group("register")
def register_cli() -> None:
    """The public register of vetted recruiters: signing key, signed copies, verification."""


@register_cli.command("init-key")
@with_appcontext
def init_key() -> None:
    """Create the Ed25519 key that signs register copies and badges (once).

    The private key is written under the instance folder with mode 0600; the public
    key is published at /register/key.json. Refuses when a key exists.
    """
    from app.register import keys
    from app.register.signing import key_id
    try:
        verify_key = keys.create_key()
    except Conflict as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Register signing key created in {keys.key_dir()}. Key id: {key_id(verify_key)}")
    click.echo(f"Public key: {bytes(verify_key).hex()}")


@register_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A public key file (64 hex digits); default: this register's own key.")
@with_appcontext
def verify(file: Path, key_file: Path | None) -> None:
    """Check a register copy or a badge: signature, key and expiry.

    Prints GENUINE, or NOT GENUINE with the reason (malformed, wrong_key, tampered,
    expired), and exits with status 1 when the file is not genuine.
    """
    from app.register import keys
    from app.register.signing import verify_statement
    from app.timeutil import utcnow
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}") from None
    try:
        verify_key = (keys.read_public_key(key_file.read_text(encoding="ascii"))
                      if key_file else keys.verify_key())
    except (ValueError, UnicodeDecodeError):
        raise click.ClickException(f"{key_file} does not hold a public key (64 hex digits)")
    except keys.KeyMissing:
        raise click.ClickException("no register key here: give one with --key") from None
    verdict = verify_statement(data, verify_key, utcnow())
    if verdict.genuine:
        click.echo(f"GENUINE: {verdict.detail}")
        _describe(verdict.payload)
        return
    click.echo(f"NOT GENUINE ({verdict.reason}): {verdict.detail}")
    sys.exit(1)


def _describe(payload: dict) -> None:
    if payload.get("type") == "badge":
        organisation, licence = payload.get("organisation", {}), payload.get("licence", {})
        click.echo(f"  {organisation.get('name')} ({organisation.get('country')}), tier "
                   f"{payload.get('tier')}, licence {licence.get('number')} "
                   f"({licence.get('authority')})")
        click.echo(f"  Current status: {payload.get('check_url')}")
    elif payload.get("type") == "register":
        click.echo(f"  {len(payload.get('organisations', []))} organisations")


@register_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export(file: Path) -> None:
    """Write a signed copy of the whole register to FILE (for mirrors and archives)."""
    from app.register import keys, statements
    try:
        body = statements.signed_register()
    except keys.KeyMissing:
        raise click.ClickException("no signing key yet: run `flask register init-key`") from None
    file.write_bytes(body)
    click.echo(f"Signed register copy written to {file} ({len(body)} bytes).")
