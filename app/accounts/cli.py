"""`flask accounts ...`: account tasks for the server's operator."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.accounts.enrolment import issue_link_for_operator
from app.errors import ValidationError


@click.group("accounts")
def accounts_cli() -> None:
    """Account tasks for the operator."""


@accounts_cli.command("second-factor-link")
@click.argument("email")
@with_appcontext
def second_factor_link(email: str) -> None:
    """Print a one-time link for EMAIL's holder to set up sign-in codes (e.g. the first
    admin, before any admin can sign in). It replaces any earlier link."""
    try:
        token = issue_link_for_operator(email)
    except ValidationError as error:
        raise click.ClickException(f"{email}: {error.errors['email']}") from None
    hours = current_app.config["SECOND_FACTOR_LINK_HOURS"]
    click.echo(f"Open within {hours} hours, on this site: /second-factor/{token}")
