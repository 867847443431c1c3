"""`headstart backup` and `headstart restore` (the work is in core/backup.py).

webapp/cli.py adds the two commands to its group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.backup import KINDS, backup_database, check_backup, database_has_data, describe, restore_database
from core.errors import HeadstartError
from matching.indexes import rebuild_search_indexes
from webapp.cli_context import plain_runtime, progress_factory


def _echo(message: str) -> None:
    click.echo(message, err=True)


def _size(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)  # pragma: no cover


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup(path: Path) -> None:
    """Back up the database to PATH (a file; a directory gets headstart-DATE-TIME.db/.dump).

    Safe while the web app runs. SQLite: a consistent copy made with SQLite's backup API,
    WAL included, in one file. PostgreSQL: `pg_dump --format=custom` (the client tools
    on PATH or in /usr/lib/postgresql/N/bin; the URL's password goes through PGPASSWORD).

    The search indexes are not in the backup (`headstart restore` rebuilds them). Keep
    the data directory's secret_key file too (or set HEADSTART_SECRET_KEY): without it
    everyone is signed out after a restore on a new machine.
    """
    runtime = plain_runtime()
    try:
        result = backup_database(runtime.engine, path, echo=_echo)
    finally:
        runtime.close()
    click.echo(
        f"backed up the {KINDS[result.kind]} database (schema revision {result.revision}) "
        f"to {result.path} ({_size(result.size)})"
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@click.option(
    "--keep-copy-in",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to keep a backup of the database being replaced [default: DATA_DIR/backups].",
)
@click.option("--no-copy", is_flag=True, help="Do not keep a copy of the database being replaced.")
def restore(path: Path, yes: bool, keep_copy_in: Path | None, no_copy: bool) -> None:
    """Replace the database by the backup at PATH, then rebuild the search indexes.

    The file must be a `headstart backup` of this kind of database (SQLite or
    PostgreSQL). A database that holds data is replaced only with --yes or after you
    confirm, and is first backed up to DATA_DIR/backups/before-restore-DATE-TIME (or
    --keep-copy-in DIR), so a restore can be undone by restoring that copy; if the copy
    cannot be made, nothing is replaced (--no-copy skips it). The restored database is
    brought to the newest schema. Stop the web app first, or restart it afterwards (it
    keeps some data in memory). The secret key (the data dir's secret_key file) is not
    part of a backup.
    """
    runtime = plain_runtime()
    try:
        info = check_backup(path, runtime.engine)
        if database_has_data(runtime.engine) and not yes:
            question = f"Replace every record in {describe(runtime.engine)} by the backup {path}?"
            if not sys.stdin.isatty():
                raise HeadstartError(
                    f"{describe(runtime.engine)} holds data: add --yes to replace it by the backup {path}"
                )
            click.confirm(question, abort=True, err=True)
        copy_directory = None if no_copy else (keep_copy_in or runtime.settings.data_dir / "backups")
        result = restore_database(runtime.engine, path, echo=_echo, info=info, keep_copy_in=copy_directory)
    finally:
        runtime.close()
    _echo("rebuilding the search indexes")
    runtime = plain_runtime()
    try:
        for collection, count in rebuild_search_indexes(runtime, progress_factory=progress_factory).items():
            click.echo(f"{collection}: {count} documents indexed")
    finally:
        runtime.close()
    click.echo(f"restored {path} (schema revision {result.info.revision}, now {result.revision}); search indexes rebuilt")
    if result.replaced_copy is not None:
        click.echo(f"the database as it was before is kept in {result.replaced_copy} (headstart restore it to go back)")

