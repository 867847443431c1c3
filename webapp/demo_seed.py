"""Everything `make demo` loads, in one function shared by the CLI and the browser tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.runtime import Runtime
from kb.service import DEFAULT_LIBRARY_SEEDS, import_library
from matching import records
from matching.demo_organisations import load_demo_organisations
from matching.demo_referrals import load_demo_referrals
from matching.demo_users import load_demo_users
from matching.gaps import warm_gap_questions
from matching.taxonomy_index import import_core_taxonomy, import_taxonomy

DEMO_MATCHING_SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "matching"


def seed_demo(
    runtime: Runtime,
    *,
    demo_users: bool = False,
    progress_factory: Callable | None = None,
    echo: Callable[[str], object] = print,
) -> bool:
    """Taxonomy (ESCO files when present, else the core set), library, marketplace and,
    on request, the demo accounts with the demo organisations' details and partnership. Returns False when a library file failed to import."""
    esco_dir = runtime.settings.esco_dir
    if esco_dir is not None and esco_dir.is_dir():
        echo(f"loading ESCO from {esco_dir}")
        report = import_taxonomy(runtime, esco_dir, progress_factory=progress_factory)
    else:
        echo("no ESCO files found (set HEADSTART_ESCO_DIR): loading the small core taxonomy from seeds/")
        report = import_core_taxonomy(runtime, progress_factory=progress_factory)
    echo("\n".join(report.lines()))
    echo(f"loading the library from {DEFAULT_LIBRARY_SEEDS}")
    library = import_library(runtime, DEFAULT_LIBRARY_SEEDS, progress_factory=progress_factory)
    for message in library.failed:
        echo(f"error: {message}")
    echo(f"library: {library.created} records added, {library.updated} updated, {library.unchanged} unchanged")
    if library.failed:
        return False
    importers = (
        ("vacancies", records.import_vacancies),
        ("profiles", records.import_profiles),
        ("offers", records.import_offers),
    )
    for name, importer in importers:
        path = DEMO_MATCHING_SEEDS / f"{name}.jsonl"
        if path.exists():
            echo(importer(runtime, path, progress_factory=progress_factory).summary())
    warm_gap_questions(runtime)  # so a fresh process answers the matches pages without the model
    if demo_users:
        users = load_demo_users(runtime)
        names = ", ".join(users.created + users.existing)
        echo(f"demo accounts: {names} (password: {users.password}); {users.consents} consents granted")
        market = load_demo_organisations(runtime, password=users.password)
        echo(f"demo organisations: {market.detailed} described, accounts added: {', '.join(market.members) or 'none'}, "
             f"{market.partnerships} partnerships")
        echo(f"demo referrals: {load_demo_referrals(runtime)} made")
    return True
