"""`flask matching reindex`: rebuild the job search index from the database."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("matching")
def matching_cli() -> None:
    """Search and matching."""


@matching_cli.command("reindex")
@with_appcontext
def reindex() -> None:
    """Embed and index every job posting again (keyword and vector indexes)."""
    from matching.services import reindex as rebuild

    def progress(chunks, length):
        with click.progressbar(chunks, length=length, label="Indexing job ads") as bar:
            yield from bar

    click.echo(f"postings indexed: {rebuild(progress)}")
