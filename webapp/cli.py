"""The `headstart` command line: set-up, imports, suggestions, index upkeep, serving.

Every command reads Settings from the environment. Mistakes people can make end with one
line on stderr and exit code 2; long work shows a progress bar on stderr, so stdout stays
clean for JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

import click
from waitress import serve as waitress_serve

from core.accounts.login_sessions import close_all_sessions
from core.accounts.users import find_user, set_password
from core.config import Settings
from core.db import (
    current_revision,
    head_revision,
    new_revision,
    session_scope,
    upgrade_schema,
)
from core.errors import HeadstartError, NotFound
from core.languages import normalize_language
from core.organisations.registration import create_member_account
from core.runtime import Runtime
from kb.library_json import entry_json, page_json
from kb.library_query import parse_search_request
from kb.service import (
    export_library,
    get_entry,
    import_library,
    related_records,
    search_library,
)
from matching import esco as esco_module
from matching import records
from matching.candidates import candidates_for_vacancy
from matching.indexes import rebuild_search_indexes
from matching.matches import matches_for_profile
from matching.suggestion import extract_skills
from matching.suggestion import suggest as run_suggest
from matching.taxonomy_index import import_taxonomy
from webapp import cli_backup, cli_mail, worker
from webapp.api_matching import anonymised_profile_json, explanation_json, vacancy_json
from webapp.app import create_app
from webapp.cli_context import (
    EXIT_USAGE,
    CliState,
    HeadstartGroup,
    pass_state,
    plain_runtime,
    progress_factory,
)
from webapp.demo_seed import seed_demo


@click.group(cls=HeadstartGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Headstart: pre-departure knowledge base and job matching for Migrant Resource Centres."""
    state = ctx.ensure_object(CliState)
    ctx.call_on_close(state.close)


@main.command()
@pass_state
def init(state: CliState) -> None:
    """Create the data directory, the database tables and the secret key."""
    runtime = state.runtime
    runtime.settings.load_or_create_secret_key()
    click.echo(f"data directory: {runtime.settings.data_dir}")
    click.echo(f"database: {runtime.engine.url.render_as_string(hide_password=True)}")


# ---------------------------------------------------------------------------- database schema


@main.group("db")
def db_group() -> None:
    """The database schema: migrations (Alembic, core/migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    runtime = plain_runtime()
    try:
        click.echo(f"database: {runtime.engine.url.render_as_string(hide_password=True)}")
        before, after = upgrade_schema(runtime.engine, revision)
        if before == after:
            click.echo(f"already at revision {after}")
        else:
            click.echo(f"upgraded from {before or 'an empty database'} to revision {after}")
    finally:
        runtime.close()


@db_group.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    runtime = plain_runtime()
    try:
        current, head = current_revision(runtime.engine), head_revision()
        if current is None:
            click.echo(f"none (no migrations applied; newest is {head}: run `headstart db upgrade`)")
        elif current == head:
            click.echo(f"{current} (head)")
        else:
            click.echo(f"{current} (newest is {head}: run `headstart db upgrade`)")
    finally:
        runtime.close()


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes, e.g. 'add vacancy.remote'.")
@click.option("--empty", is_flag=True, help="Write a blank revision to fill in by hand (data migrations).")
def db_revision(message: str, empty: bool) -> None:
    """For developers: write the next migration from the table models (autogenerate).

    Compares the models with a scratch SQLite database at the newest revision and writes
    core/migrations/versions/NNNN_<message>.py; read it before committing.
    """
    path = new_revision(message, empty=empty)
    if path is None:
        click.echo("the table models match the migrations: nothing to write (--empty for a blank revision)")
    else:
        click.echo(f"wrote {path}")


# ---------------------------------------------------------------------------- ESCO


@main.group()
def esco() -> None:
    """The ESCO taxonomy of occupations and skills."""


@esco.command("import")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--lang", "languages", multiple=True, help="Only import these label languages (repeatable).")
@pass_state
def esco_import(state: CliState, directory: Path | None, languages: tuple[str, ...]) -> None:
    """Import the official ESCO CSV files from DIRECTORY (default: HEADSTART_ESCO_DIR)."""
    runtime = state.runtime
    directory = directory or runtime.settings.esco_dir
    if directory is None:
        raise HeadstartError(
            "Name the directory of the ESCO CSV files, or set HEADSTART_ESCO_DIR. "
            "Download them from the ESCO portal (esco.ec.europa.eu, section Download, format CSV)."
        )
    wanted = {normalize_language(code, field="--lang") for code in languages} or None
    report = import_taxonomy(runtime, directory, languages=wanted, progress_factory=progress_factory)
    click.echo("\n".join(report.lines()))


@esco.command("status")
@pass_state
def esco_status(state: CliState) -> None:
    """How many concepts of each type are loaded."""
    for concept_type, count in sorted(esco_module.counts(state.runtime.engine).items()):
        click.echo(f"{concept_type}: {count}")


# ---------------------------------------------------------------------------- suggestions


def _suggest_command(concept_type: str, plural: str) -> click.Command:
    @click.command("suggest", help=f"Suggest ESCO {plural} for free text (a title, a skill, a sentence).")
    @click.argument("text", required=False)
    @click.option("--top", default=10, show_default=True, type=int, help="How many suggestions.")
    @click.option("--lang", "language", default=None, help="Language of the text (ISO 639-1), if known.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @click.option(
        "--input",
        "input_file",
        type=click.File("r", encoding="utf-8"),
        help='JSON Lines of queries ({"q": ..., "top": ..., "lang": ...} or a JSON string); "-" for stdin.',
    )
    @pass_state
    def suggest(state: CliState, text, top, language, as_json, input_file) -> None:

        if input_file is not None:
            if text:
                raise HeadstartError("Give either TEXT or --input, not both.")
            failures = _suggest_batch(state.runtime, concept_type, input_file, top, language)
            if failures:
                sys.exit(EXIT_USAGE)
            return
        suggestions = run_suggest(state.runtime, concept_type, text, top=top, language=language)
        if as_json:
            click.echo(json.dumps({"query": text, "suggestions": [s.__dict__ for s in suggestions]}, ensure_ascii=False))
            return
        for rank, item in enumerate(suggestions, 1):
            via = f"  (via “{item.matched_label}”)" if item.matched_label and item.matched_label != item.label else ""
            click.echo(f"{rank:>3}. {item.score:.3f}  {item.label}{via}\n     {item.uri}")

    return suggest


def _suggest_batch(runtime: Runtime, concept_type: str, lines: IO[str], top: int, language: str | None) -> int:
    """One JSON line out per line in; a bad line gets an error line and is counted."""
    failures = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise HeadstartError(f"not valid JSON ({error.msg} at column {error.colno})") from None
            if isinstance(item, str):
                item = {"q": item}
            if not isinstance(item, dict):
                raise HeadstartError('each line must be a JSON string or an object with "q"')
            query = item.get("q", item.get("query"))
            if query is not None and not isinstance(query, str):
                raise HeadstartError('"q" must be a string')
            suggestions = run_suggest(
                runtime, concept_type, query, top=item.get("top", top), language=item.get("lang", language)
            )
            out = {"line": number, "query": query, "suggestions": [s.__dict__ for s in suggestions]}
        except HeadstartError as error:
            failures += 1
            out = {"line": number, "error": error.message}
        click.echo(json.dumps(out, ensure_ascii=False))
    return failures


@main.group()
def occupations() -> None:
    """ESCO occupations."""


@main.group()
def skills() -> None:
    """ESCO skills."""


occupations.add_command(_suggest_command("occupation", "occupations"))
skills.add_command(_suggest_command("skill", "skills"))


@skills.command("extract")
@click.argument("text", required=False)
@click.option("--file", "text_file", type=click.File("r", encoding="utf-8"), help="Read the text from a file ('-' for stdin).")
@click.option("--lang", "language", default=None, help="Language of the text (ISO 639-1), if known.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def skills_extract(state: CliState, text: str | None, text_file, language: str | None, as_json: bool) -> None:
    """ESCO skills found in a CV or job ad, with the words each came from."""
    if text_file is not None:
        if text:
            raise HeadstartError("Give either TEXT or --file, not both.")
        text = text_file.read()
    found = extract_skills(state.runtime, text, language=language)
    if as_json:
        items = [{"uri": s.uri, "label": s.label, "score": s.score, "span": {"start": s.span.start, "end": s.span.end, "text": s.span.text}} for s in found]
        click.echo(json.dumps({"skills": items}, ensure_ascii=False))
        return
    for item in found:
        click.echo(f"{item.score:.3f}  {item.label}  <- “{item.span.text}”\n       {item.uri}")


# ---------------------------------------------------------------------------- library


@main.group("kb")
def kb_group() -> None:
    """The practitioners' library: good practices and handbook sections."""


@kb_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Validate the files and report; write nothing.")
@pass_state
def kb_import(state: CliState, path: Path, check: bool) -> None:
    """Import Markdown (front matter), CSV and JSON Lines records from PATH (a file or directory).

    A file with an error is skipped whole and named with its line and field; the others
    are imported. Records are matched by id, so re-importing updates them in place.
    """
    report = import_library(state.runtime, path, progress_factory=progress_factory, dry_run=check)
    for message in report.failed:
        click.echo(f"error: {message}", err=True)
    for pair in report.duplicates:
        click.echo(f"warning: {pair.id} looks like a near-duplicate of {pair.other_id} (similarity {pair.similarity:.2f})", err=True)
    if check:
        click.echo(f"{report.files} files checked, {len(report.failed)} with errors")
    else:
        click.echo(
            f"{report.files} files: {report.created} records added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.failed)} files not imported; {report.indexed} documents indexed"
        )
    if report.failed:
        sys.exit(EXIT_USAGE)


@kb_group.command("export")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(["markdown", "csv", "jsonl"]), default="markdown", show_default=True)
@pass_state
def kb_export(state: CliState, directory: Path, format_: str) -> None:
    """Write every record to DIRECTORY in a format `headstart kb import` reads back."""
    written = export_library(state.runtime, directory, format=format_)
    click.echo(f"{len(written)} files written to {directory}")


@kb_group.command("search")
@click.argument("text", required=False, default="")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="e.g. country=PH, measure_type=job_matching (repeatable).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--per-page", default=10, show_default=True, type=int)
@click.option("--lang", "language", default=None, help="Show records in this language where translated.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@pass_state
def kb_search(state: CliState, text, filters, sort, page, per_page, language, as_json) -> None:
    """Search the library in plain words, in any language."""
    by_field: dict[str, list[str]] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep:
            raise HeadstartError(f"--filter takes FIELD=VALUE, not {item!r}")
        by_field.setdefault(name.strip(), []).append(value)
    request = parse_search_request(
        text=text, filters=by_field, sort=sort, page=page, per_page=per_page, reader_language=language
    )
    result = search_library(state.runtime, request)
    if as_json:
        click.echo(json.dumps(page_json(result), ensure_ascii=False))
        return
    click.echo(f"{result.total} records (page {request.page} of {result.pages})")
    for rank, hit in enumerate(result.hits, start=request.offset + 1):
        record = hit.entry.record
        where = f"#{hit.anchor}" if hit.anchor else ""
        click.echo(f"{rank:>3}. {hit.score:.3f}  [{record.kind}, {record.language}] {record.title}\n     {record.id}{where}")


@kb_group.command("show")
@click.argument("record_id")
@click.option("--lang", "language", default=None)
@pass_state
def kb_show(state: CliState, record_id: str, language: str | None) -> None:
    """Print one record as JSON, with its quality profile and related practices."""
    language = normalize_language(language)
    entry = get_entry(state.runtime, record_id, language=language)
    data = entry_json(entry, full=True)
    data["related"] = [entry_json(item) for item in related_records(state.runtime, record_id, language=language)]
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------------- matching


def _import_command(kind: str, help_text: str) -> click.Command:
    @click.command("import", help=help_text)
    @click.argument("path", type=click.Path(path_type=Path))
    @pass_state
    def command(state: CliState, path: Path) -> None:
        importer = {"profiles": records.import_profiles, "vacancies": records.import_vacancies, "offers": records.import_offers}[kind]
        click.echo(importer(state.runtime, path, progress_factory=progress_factory).summary())

    return command


@main.group()
def profiles() -> None:
    """Migrants' skill profiles."""


@main.group()
def vacancies() -> None:
    """Employers' vacancies."""


@main.group()
def offers() -> None:
    """Service providers' offers (courses, assessments, recognition, orientation)."""


profiles.add_command(_import_command("profiles", "Import profiles from a JSON Lines file (updated in place by external_id)."))
vacancies.add_command(
    _import_command("vacancies", "Import vacancies from JSON Lines or a schema.org JobPosting JSON-LD feed; the same job from two feeds is kept once.")
)
offers.add_command(_import_command("offers", "Import service offers from a JSON Lines file."))


@main.group()
def match() -> None:
    """Matches between profiles and vacancies, explained."""


def _print_explained(title: str, explanation, taxonomy) -> None:
    state = "excluded" if explanation.excluded else ("ready" if explanation.ready else "possible")
    click.echo(f"{explanation.score:.3f}  [{state}] {title}")
    for exclusion in explanation.exclusions:
        click.echo(f"       excluded: {exclusion.message}")
    if explanation.essential_missing:
        click.echo("       missing: " + ", ".join(taxonomy.label(uri) for uri in explanation.essential_missing))
    for gap in explanation.language_gaps:
        click.echo(f"       language: {gap.describe()}")
    if explanation.regulated:
        click.echo(f"       {explanation.regulated.describe()}")


@match.command("profile")
@click.argument("profile_id", type=int)
@click.option("--top", default=10, show_default=True, type=int)
@click.option("--include-excluded", is_flag=True, help="Also list vacancies a hard constraint excludes, with the reason.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def match_profile(state: CliState, profile_id: int, top: int, include_excluded: bool, as_json: bool) -> None:
    """Open vacancies for a profile, best first, each with its explanation."""
    matches, taxonomy = matches_for_profile(state.runtime, profile_id, top=top, include_excluded=include_excluded)
    if as_json:
        items = [{"vacancy": vacancy_json(m.vacancy), "explanation": explanation_json(m.explanation, taxonomy)} for m in matches]
        click.echo(json.dumps({"profile_id": profile_id, "matches": items}, ensure_ascii=False))
        return
    for m in matches:
        _print_explained(f"#{m.vacancy.id} {m.vacancy.title} ({m.vacancy.employer}, {m.vacancy.city or ''} {m.vacancy.country})", m.explanation, taxonomy)


@match.command("vacancy")
@click.argument("vacancy_id", type=int)
@click.option("--top", default=10, show_default=True, type=int)
@click.option("--include-excluded", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def match_vacancy(state: CliState, vacancy_id: int, top: int, include_excluded: bool, as_json: bool) -> None:
    """Consenting candidates for a vacancy, best first (anonymised unless they opted in)."""
    matches, taxonomy = candidates_for_vacancy(state.runtime, vacancy_id, top=top, include_excluded=include_excluded)
    if as_json:
        items = [
            {
                "identified": m.identified,
                "profile": m.profile.model_dump(mode="json") if m.identified else anonymised_profile_json(m.profile, vacancy_id),
                "explanation": explanation_json(m.explanation, taxonomy),
            }
            for m in matches
        ]
        click.echo(json.dumps({"vacancy_id": vacancy_id, "candidates": items}, ensure_ascii=False))
        return
    for m in matches:
        who = f"profile #{m.profile.id}" if m.identified else anonymised_profile_json(m.profile, vacancy_id)["candidate"]
        _print_explained(who, m.explanation, taxonomy)


# ---------------------------------------------------------------------------- index


@main.group()
def index() -> None:
    """The search indexes (derived from the database)."""


@index.command("rebuild")
@pass_state
def index_rebuild(state: CliState) -> None:
    """Rebuild every search index from the database; no text is encoded twice."""
    for collection, count in rebuild_search_indexes(state.runtime, progress_factory=progress_factory).items():
        click.echo(f"{collection}: {count} documents indexed")


# ---------------------------------------------------------------------------- demo and serving


@main.command()
@click.option("--demo-users", is_flag=True, help="Also create the demo accounts of seeds/demo_users.json (never on a real server).")
@pass_state
def seed(state: CliState, demo_users: bool) -> None:
    """Load the taxonomy (the ESCO files when present, else the small core set), the library and the demo marketplace."""
    if not seed_demo(state.runtime, demo_users=demo_users, progress_factory=progress_factory, echo=click.echo):
        sys.exit(EXIT_USAGE)


# ---------------------------------------------------------------------------- accounts


@main.group()
def users() -> None:
    """Accounts: create practitioners and administrators (others can register themselves)."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["migrant", "practitioner", "employer", "provider", "admin"]), required=True)
@click.option("--organisation", default="", help="The MRC, employer or provider the account works for.")
@click.option("--name", "display_name", default="", help="The person's name as others see it.")
@click.option("--language", type=click.Choice(["en", "fr", "ar"]), default="en", show_default=True)
@click.password_option(prompt="Password", help="Asked for when not given (better: type it at the prompt).")
@pass_state
def users_create(state: CliState, username: str, role: str, organisation: str, display_name: str, language: str, password: str) -> None:
    """Create an account."""
    with session_scope(state.runtime.engine) as db:
        user = create_member_account(
            db, username=username, password=password, role=role, organisation=organisation,
            display_name=display_name, language=language, by="the command line",
        )  # fmt: skip
        joined = f" ({user.organisation_role} of {user.organisation})" if user.organisation_role else ""
        click.echo(f"created {user.role} account {user.username}{joined}")


@users.command("set-password")
@click.argument("username")
@click.password_option(prompt="New password", help="Asked for when not given (better: type it at the prompt).")
@pass_state
def users_set_password(state: CliState, username: str, password: str) -> None:
    """Give an account a new password (someone who forgot theirs); ends all its sessions."""
    with session_scope(state.runtime.engine) as db:
        user = find_user(db, username)
        if user is None:
            raise NotFound(f"No account {username!r}.")
        set_password(session=db, user=user, password=password)
        ended = close_all_sessions(session=db, user_id=user.id or 0)
    click.echo(f"new password set for {user.username}; {ended} session{'s' if ended != 1 else ''} ended")


@users.command("sign-out")
@click.argument("username")
@pass_state
def users_sign_out(state: CliState, username: str) -> None:
    """End every session of an account at once (a lost or shared computer)."""
    with session_scope(state.runtime.engine) as db:
        user = find_user(db, username)
        if user is None:
            raise NotFound(f"No account {username!r}.")
        ended = close_all_sessions(session=db, user_id=user.id or 0)
    click.echo(f"ended {ended} session{'s' if ended != 1 else ''} of {user.username}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--worker", "with_worker", is_flag=True, help="Also run the background worker in this process (alerts, mail): for the demo.")
def serve(host: str, port: int, threads: int, with_worker: bool) -> None:
    """Serve the web app with waitress (a production WSGI server that needs no compiler)."""
    app = create_app(Settings.from_env())
    if with_worker:
        worker.start_in_thread(app)
    click.echo(f"Headstart is running on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads)


main.add_command(cli_backup.backup)
main.add_command(cli_backup.restore)
main.add_command(cli_mail.mail_group)
main.add_command(cli_mail.jobs_group)

if __name__ == "__main__":  # pragma: no cover
    main()
