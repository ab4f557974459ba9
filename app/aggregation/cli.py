"""`flask aggregate`: read job sources (those due, one corridor's, or one) and report."""
from __future__ import annotations

import sys
from collections.abc import Iterable

import click
from flask.cli import with_appcontext

from app.aggregation import services
from app.aggregation.models import SUCCEEDED, SourceRun
from app.errors import NotFound


def _report(run: SourceRun) -> str:
    head = f"[{run.source_id}] {run.source.name} ({run.source.corridor.code}): {run.status}"
    if run.status != SUCCEEDED:
        return f"{head} -- {run.failure}"
    lines = [f"{head}: fetched {run.fetched}, new {run.new}, updated {run.updated}, "
             f"unchanged {run.unchanged}, duplicates merged {run.duplicates}, "
             f"expired {run.expired}, rejected {run.rejected}"]
    lines += [f"    rejected {e['item']}: {e['reason']}" for e in run.errors or []]
    if run.rejected > len(run.errors or []):
        lines.append(f"    ... and {run.rejected - len(run.errors)} more rejected")
    return "\n".join(lines)


@click.command("aggregate")
@click.option("--corridor", metavar="CODE", help="Only this corridor's sources, e.g. NP-QA.")
@click.option("--source", "source_id", type=int, metavar="ID",
              help="Only this source (even if inactive or not due).")
@click.option("--force", is_flag=True, help="Read every source now, due or not.")
@with_appcontext
def aggregate_cli(corridor: str | None, source_id: int | None, force: bool) -> None:
    """Fetch, parse, normalise, de-duplicate and store job offers from the job sources.

    Without options, reads every active source whose refresh interval has passed.
    """
    try:
        sources = services.sources_to_run(corridor=corridor, source_id=source_id, force=force)
    except NotFound:
        raise click.ClickException("no such source or corridor") from None
    if not sources:
        click.echo("No source is due (use --force to read them all now).")
        return
    failed = 0
    for source in sources:
        label = f"{source.name} ({source.kind})"

        def progress(items: Iterable, length: int, label: str = label) -> Iterable:
            with click.progressbar(items, length=length, label=label,
                                   file=sys.stderr) as bar:
                yield from bar

        run = services.run_sources(None, [source], progress=progress)[0]
        failed += run.status != SUCCEEDED
        click.echo(_report(run))
    click.echo(f"{len(sources)} source(s) read, {failed} failed.")
