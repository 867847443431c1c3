"""What every `headstart` command shares: the per-invocation Runtime, progress bars on
stderr, and the one-line error with exit code 2 for mistakes people can make."""

from __future__ import annotations

import sys
from typing import Any

import click
from tqdm import tqdm

from core.config import Settings
from core.errors import HeadstartError
from core.runtime import Runtime

EXIT_USAGE = 2


class HeadstartGroup(click.Group):
    """Turns HeadstartError into a one-line message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HeadstartError as error:
            click.echo(f"error: {error.message}", err=True)
            ctx.exit(EXIT_USAGE)


def progress_factory(description: str, total: int):
    return tqdm(total=total, desc=description, unit="item", file=sys.stderr, dynamic_ncols=True, leave=False)


class CliState:
    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(Settings.from_env())
            self._runtime.init_database()
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


pass_state = click.make_pass_decorator(CliState, ensure=True)


def plain_runtime() -> Runtime:
    """A Runtime that leaves the schema as it is (CliState.runtime upgrades it as it opens
    the database): for the schema commands, backup and restore."""
    return Runtime(Settings.from_env())
