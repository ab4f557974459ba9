"""`flask vetting rescore`: reassess every posting and organisation."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("vetting")
def vetting_cli() -> None:
    """Fair-recruitment vetting."""


@vetting_cli.command("rescore")
@with_appcontext
def rescore() -> None:
    """Rescore every job ad and recompute every organisation's risk and tier."""
    from vetting.services import rescore_all

    def progress(pairs, length):
        with click.progressbar(pairs, length=length, label="Scoring job ads") as bar:
            yield from bar

    counts = rescore_all(progress)
    click.echo(f"postings scored: {counts['postings']}; "
               f"organisations updated: {counts['organisations']}")
