"""Schema migrations (Alembic, core/migrations): on SQLite and on PostgreSQL alike.

- an empty database upgraded to head has exactly the models' tables, and autogenerate
  finds no difference (a model changed without a migration fails here);
- a database of the last release (revision 0001) keeps its rows when upgraded;
- a database created by create_all before migrations existed is stamped, then upgraded;
- `headstart db upgrade` / `db current` through the click runner.
"""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, SQLModel, select

from core import db as core_db
from core.db import (
    alembic_config,
    current_revision,
    drop_schema,
    head_revision,
    import_table_modules,
    revision_tables,
    schema_differences,
    upgrade_schema,
)
from core.errors import HeadstartError

NEW_IN_0002 = {"user_account", "login_failure", "case_note"}
NEW_IN_0003 = {"audit_event"}
NEW_IN_0004 = {"login_session"}
NEW_IN_0006 = {"organisation", "organisation_invitation"}
NEW_IN_0007 = {"migrant_identity", "profile_takeover"}
NEW_IN_0008 = {"pipeline_entry", "pipeline_move"}
NEW_IN_0009 = {"mail_outbox"}
NEW_IN_0010 = {"notification", "notification_preference", "contact_request", "job_alert", "saved_search", "alert_hit", "alert_scan"}
NEW_IN_0011 = {"organisation_partnership", "partnership_message"}
NEW_IN_0012 = {"referral", "referral_event"}
AFTER_RELEASE = (NEW_IN_0002 | NEW_IN_0003 | NEW_IN_0004 | NEW_IN_0006 | NEW_IN_0007 | NEW_IN_0008 | NEW_IN_0009 | NEW_IN_0010
                 | NEW_IN_0011 | NEW_IN_0012)  # fmt: skip
HEAD = "0012"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def model_tables() -> set[str]:
    import_table_modules()
    return set(SQLModel.metadata.tables)


@pytest.fixture
def empty(engine):
    """The per-test database with nothing in it, not even alembic_version."""
    drop_schema(engine)
    assert not tables(engine) & (model_tables() | {"alembic_version"})
    return engine


def test_revisions_are_linear_and_0012_is_head():
    assert head_revision() == HEAD
    assert set(revision_tables("0012")) == NEW_IN_0012
    assert set(revision_tables("0011")) == NEW_IN_0011
    assert set(revision_tables("0009")) == NEW_IN_0009
    assert set(revision_tables("0010")) == NEW_IN_0010
    assert set(revision_tables("0008")) == NEW_IN_0008
    assert set(revision_tables("0007")) == NEW_IN_0007
    assert set(revision_tables("0006")) == NEW_IN_0006
    assert revision_tables("0005") == ()  # an index only
    assert set(revision_tables("0004")) == NEW_IN_0004
    assert set(revision_tables("0003")) == NEW_IN_0003
    assert set(revision_tables("0002")) == NEW_IN_0002
    assert set(revision_tables("0001")) == model_tables() - AFTER_RELEASE


# ---------------------------------------------------------------------------- empty database


def test_upgrading_an_empty_database_gives_exactly_the_models(empty):
    assert current_revision(empty) is None
    assert upgrade_schema(empty) == (None, HEAD)
    assert tables(empty) - {"alembic_version"} == model_tables()
    assert "alembic_version" in tables(empty)
    with empty.connect() as connection:
        assert schema_differences(connection) == []
    assert current_revision(empty) == HEAD


def test_upgrade_at_head_does_nothing(empty):
    upgrade_schema(empty)
    assert upgrade_schema(empty) == (HEAD, HEAD)


def test_drop_schema_drops_the_version_table_too(empty):
    upgrade_schema(empty)
    drop_schema(empty)
    assert not tables(empty) & (model_tables() | {"alembic_version"})


def test_a_model_without_a_migration_is_a_difference(empty):
    """What the no-difference check above would catch: a column the migrations lack."""
    upgrade_schema(empty)
    metadata = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(metadata)
    sa.Table("vacancy", metadata, sa.Column("remote", sa.Boolean()), extend_existing=True)
    with empty.connect() as connection:
        differences = schema_differences(connection, metadata)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "vacancy", "remote")]


def test_downgrade_to_base_and_back(empty):
    upgrade_schema(empty)
    with empty.begin() as connection:
        command.downgrade(alembic_config(connection), "0001")
    assert not tables(empty) & AFTER_RELEASE
    with empty.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert not tables(empty) & model_tables()
    assert upgrade_schema(empty) == (None, HEAD)


# ---------------------------------------------------------------------------- release 0001 with data

# The tables as release 0.1 had them, frozen here (not the models, which move on): what an
# installation of that release holds.
V1_VACANCY = sa.table(
    "vacancy",
    *(sa.column(name) for name in ("id", "fingerprint", "employer", "title", "description", "country", "city")),
    *(sa.column(name) for name in ("contract_type", "status", "revision")),
    *(sa.column(name, sa.JSON) for name in ("essential_skills", "optional_skills", "languages", "sources")),
    *(sa.column(name, sa.JSON) for name in ("legal_route", "fair_recruitment")),
    sa.column("date_posted", sa.Date),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
V1_PROFILE = sa.table(
    "skill_profile",
    *(sa.column(name) for name in ("id", "owner", "summary", "revision")),
    sa.column("consent_to_matching", sa.Boolean),
    *(
        sa.column(name, sa.JSON)
        for name in (
            "origin_countries",
            "destination_countries",
            "occupations",
            "skills",
            "free_text_skills",
            "languages",
            "qualifications",
            "driving_licences",
        )
    ),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
V1_CONCEPT = sa.table(
    "esco_concept", sa.column("uri"), sa.column("concept_type"), sa.column("code"), sa.column("regulated", sa.Boolean)
)
V1_DOCUMENT = sa.table(
    "library_document",
    *(sa.column(name) for name in ("id", "kind", "language", "title", "content_hash", "revision")),
    sa.column("fields", sa.JSON),
    sa.column("possible_duplicates", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)

OCCUPATION_URI = "http://data.europa.eu/esco/occupation/nurse-test"


def insert_release_rows(engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            V1_VACANCY.insert(),
            {
                "id": 7,
                "fingerprint": "f" * 64,
                "employer": "Krankenhaus Kessler GmbH",
                "title": "Pflegefachkraft",
                "description": "Stationäre Pflege",
                "country": "DE",
                "city": "Köln",
                "contract_type": "permanent",
                "status": "open",
                "revision": 1,
                "essential_skills": [OCCUPATION_URI],
                "optional_skills": [],
                "languages": [{"code": "de", "level": "B2"}],
                "sources": [],
                "legal_route": {"permit": "skilled_worker"},
                "fair_recruitment": {},
                "date_posted": date(2025, 2, 1),
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        connection.execute(
            V1_PROFILE.insert(),
            {
                "id": 3,
                "owner": "mrc-manila",
                "summary": "Registered nurse, 6 years",
                "revision": 1,
                "consent_to_matching": True,
                "origin_countries": ["PH"],
                "destination_countries": ["DE"],
                "occupations": [{"uri": OCCUPATION_URI}],
                "skills": [],
                "free_text_skills": ["wound care"],
                "languages": [{"code": "de", "level": "B1"}],
                "qualifications": [],
                "driving_licences": [],
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        connection.execute(
            V1_CONCEPT.insert(),
            {"uri": OCCUPATION_URI, "concept_type": "occupation", "code": "2221.1", "regulated": True},
        )
        connection.execute(
            V1_DOCUMENT.insert(),
            {
                "id": "practice-0001",
                "kind": "practice",
                "language": "en",
                "title": "Pre-departure orientation in Manila",
                "content_hash": "c" * 64,
                "revision": 2,
                "fields": {"country": "PH", "summary": "Orientation before departure"},
                "possible_duplicates": [],
                "created_at": NOW,
                "updated_at": NOW,
            },
        )


def test_a_release_database_with_data_keeps_every_row(empty):
    from core.accounts.users import User
    from kb.documents import LibraryDocument
    from matching.case_notes import CaseNote
    from matching.esco.tables import EscoConcept
    from matching.models import SkillProfile, Vacancy

    assert upgrade_schema(empty, "0001") == (None, "0001")
    assert tables(empty) - {"alembic_version"} == model_tables() - AFTER_RELEASE
    insert_release_rows(empty)

    assert upgrade_schema(empty) == ("0001", HEAD)
    assert AFTER_RELEASE <= tables(empty)
    with empty.connect() as connection:
        assert schema_differences(connection) == []

    # The old rows, read through today's models.
    with Session(empty) as session:
        vacancy = session.get(Vacancy, 7)
        assert (vacancy.title, vacancy.city, vacancy.languages) == ("Pflegefachkraft", "Köln", [{"code": "de", "level": "B2"}])
        assert vacancy.legal_route == {"permit": "skilled_worker"} and vacancy.date_posted == date(2025, 2, 1)
        assert vacancy.created_at == NOW
        profile = session.get(SkillProfile, 3)
        assert (profile.owner, profile.free_text_skills, profile.consent_to_matching) == ("mrc-manila", ["wound care"], True)
        concept = session.get(EscoConcept, OCCUPATION_URI)
        assert (concept.code, concept.regulated) == ("2221.1", True)
        document = session.get(LibraryDocument, "practice-0001")
        assert document.fields == {"country": "PH", "summary": "Orientation before departure"}
        assert document.revision == 2
        for model in (Vacancy, SkillProfile, EscoConcept, LibraryDocument):
            assert len(session.exec(select(model)).all()) == 1

        # The new tables work, a case note on the old profile included.
        session.add(User(username="caseworker", role="practitioner", organisation="MRC Manila", password_hash="x"))
        session.add(CaseNote(profile_id=3, author="caseworker", kind="next_step", text="Book the B2 exam"))
        session.commit()
        assert [note.text for note in session.exec(select(CaseNote))] == ["Book the B2 exam"]


# ---------------------------------------------------------------------------- 0005 with names -> organisations

V5_USER = sa.table("user_account", *(sa.column(n) for n in ("id", "username", "display_name", "role", "organisation",
                   "language", "password_hash", "active")), sa.column("created_at", sa.DateTime(timezone=True)))  # fmt: skip
V5_OFFER = sa.table(
    "service_offer",
    *(sa.column(n) for n in ("id", "provider", "kind", "title", "description", "country", "mode", "cost", "url")),
    *(sa.column(n, sa.JSON) for n in ("languages", "skills_taught", "destination_countries")),
)
V5_CONSENT = sa.table("profile_consent", *(sa.column(n) for n in ("id", "profile_id", "recipient_kind", "recipient", "scope")),
                      sa.column("granted_at", sa.DateTime(timezone=True)), sa.column("expires_at", sa.DateTime(timezone=True)))  # fmt: skip
V5_NOTE = sa.table("case_note", *(sa.column(n) for n in ("id", "profile_id", "author", "kind", "text", "done")),
                   sa.column("created_at", sa.DateTime(timezone=True)))  # fmt: skip


def test_organisation_names_become_organisations_at_0006(empty):
    """Revision 0006 on a database of 0005 with data: each free-text name becomes one
    organisation of its kind, and the accounts, vacancy, offer, consents and case note
    point at it; the first account of an organisation owns it."""
    from core.accounts.users import User
    from core.organisations.models import Organisation
    from matching.case_notes import CaseNote
    from matching.models import Consent, ServiceOffer, Vacancy

    assert upgrade_schema(empty, "0005") == (None, "0005")
    insert_release_rows(empty)
    account = {"display_name": "", "language": "en", "password_hash": "x", "active": True, "created_at": NOW}
    later = NOW.replace(year=2026)
    with empty.begin() as connection:
        connection.execute(V5_USER.insert(), [
            {**account, "id": 1, "username": "hr.vogt", "role": "employer", "organisation": "Krankenhaus Kessler GmbH"},
            {**account, "id": 2, "username": "impostor", "role": "employer", "organisation": "Krankenhaus Kessler GmbH"},
            {**account, "id": 3, "username": "ana.rusu", "role": "practitioner", "organisation": "MRC Manila"},
            {**account, "id": 4, "username": "desk", "role": "provider", "organisation": "Limba Nouă"},
            {**account, "id": 5, "username": "amina", "role": "migrant", "organisation": ""},
        ])  # fmt: skip
        connection.execute(V5_OFFER.insert(), {
            "id": 1, "provider": "Limba Nouă", "kind": "language_course", "title": "German B1", "description": "",
            "country": "MD", "mode": "online", "cost": 0, "url": "", "languages": ["ro"], "skills_taught": [],
            "destination_countries": ["DE"],
        })  # fmt: skip
        connection.execute(V5_CONSENT.insert(), [
            {"id": 1, "profile_id": 3, "recipient_kind": "mrc", "recipient": "MRC Manila", "scope": "show_profile",
             "granted_at": NOW, "expires_at": later},
            {"id": 2, "profile_id": 3, "recipient_kind": "employer", "recipient": "Werft Nord GmbH", "scope": "show_profile",
             "granted_at": NOW, "expires_at": later},
        ])  # fmt: skip
        connection.execute(V5_NOTE.insert(), {"id": 1, "profile_id": 3, "author": "ana.rusu", "kind": "next_step",
                                              "text": "Book the B2 exam", "done": False, "created_at": NOW})  # fmt: skip

    assert upgrade_schema(empty) == ("0005", HEAD)
    with empty.connect() as connection:
        assert schema_differences(connection) == []
    with Session(empty) as session:
        organisations = {(o.kind, o.name): o for o in session.exec(select(Organisation))}
        assert set(organisations) == {
            ("employer", "Krankenhaus Kessler GmbH"), ("mrc", "MRC Manila"), ("service_provider", "Limba Nouă"),
            ("employer", "Werft Nord GmbH"),
        }  # fmt: skip
        assert all(o.status == "verified" and "review its members" in o.status_note for o in organisations.values())
        kessler, manila = organisations[("employer", "Krankenhaus Kessler GmbH")], organisations[("mrc", "MRC Manila")]
        users = {u.username: u for u in session.exec(select(User))}
        assert (users["hr.vogt"].organisation_id, users["hr.vogt"].organisation_role) == (kessler.id, "owner")
        assert (users["impostor"].organisation_id, users["impostor"].organisation_role) == (kessler.id, "staff")
        assert (users["ana.rusu"].organisation_id, users["ana.rusu"].organisation_role) == (manila.id, "owner")
        assert users["amina"].organisation_id is None and users["amina"].organisation_role == ""
        assert session.get(Vacancy, 7).employer_id == kessler.id
        assert session.get(ServiceOffer, 1).provider_id == organisations[("service_provider", "Limba Nouă")].id
        consents = {c.id: c.recipient_id for c in session.exec(select(Consent))}
        assert consents == {1: manila.id, 2: organisations[("employer", "Werft Nord GmbH")].id}
        assert session.get(CaseNote, 1).organisation_id == manila.id


def test_practitioners_profiles_move_to_their_centre_at_0007(empty):
    """Revision 0007 on a database of 0006 with data: a profile a practitioner opened
    belongs to the practitioner's MRC; a migrant's own profile stays theirs."""
    from core.organisations.models import Organisation
    from matching.models import SkillProfile

    assert upgrade_schema(empty, "0005") == (None, "0005")
    insert_release_rows(empty)  # profile 3, owned by the practitioner account mrc-manila
    account = {"display_name": "", "language": "en", "password_hash": "x", "active": True, "created_at": NOW}
    with empty.begin() as connection:
        connection.execute(V5_USER.insert(), [
            {**account, "id": 1, "username": "mrc-manila", "role": "practitioner", "organisation": "MRC Manila"},
            {**account, "id": 2, "username": "amina", "role": "migrant", "organisation": ""},
        ])  # fmt: skip
        row = connection.execute(sa.select(V1_PROFILE).where(V1_PROFILE.c.id == 3)).mappings().one()
        connection.execute(V1_PROFILE.insert(), {**row, "id": 4, "owner": "amina"})
    assert upgrade_schema(empty, "0006") == ("0005", "0006")
    assert upgrade_schema(empty, "0007") == ("0006", "0007")
    assert upgrade_schema(empty) == ("0007", HEAD)
    with empty.connect() as connection:
        assert schema_differences(connection) == []
    with Session(empty) as session:
        manila = session.exec(select(Organisation).where(Organisation.name == "MRC Manila")).one()
        assert session.get(SkillProfile, 3).mrc_id == manila.id
        assert session.get(SkillProfile, 4).mrc_id is None and session.get(SkillProfile, 4).owner == "amina"


# ---------------------------------------------------------------------------- before migrations


def _column_copy(column: sa.Column) -> sa.Column:
    copy = column._copy()
    for key in column.foreign_keys:
        copy.append_foreign_key(sa.ForeignKey(key.target_fullname, ondelete=key.ondelete))
    return copy


def create_all(engine, *, without: set[str] = frozenset()) -> None:
    """A database as create_all made it before migrations existed (no alembic_version).

    Without a table, the columns pointing at it are left out too (and their indexes):
    the models of that time had neither."""
    import_table_modules()
    metadata = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in without:
            continue
        gone = {c.name for c in table.columns if any(fk.column.table.name in without for fk in c.foreign_keys)}
        copy = sa.Table(table.name, metadata, *(_column_copy(c) for c in table.columns if c.name not in gone))
        made = {index.name for index in copy.indexes}  # those of columns with index=True
        for index in table.indexes:
            names = [c.name for c in index.columns]
            if index.name not in made and not set(names) & gone:
                sa.Index(index.name, *(copy.c[name] for name in names), unique=index.unique)
    metadata.create_all(engine)


@pytest.mark.parametrize(
    ("without", "stamped"),
    [
        (set(), "0002"),  # made by this session's code: everything there
        (AFTER_RELEASE, "0001"),  # made by release 0.1
        ({"case_note", "audit_event"}, "0001"),  # made in between: accounts but no case notes yet
    ],
    ids=["everything", "release", "in-between"],
)
def test_a_database_made_by_create_all_is_stamped_and_upgraded(empty, without, stamped, monkeypatch):
    create_all(empty, without=without)
    insert_release_rows(empty)
    stamps = []
    real_stamp = command.stamp
    monkeypatch.setattr(command, "stamp", lambda config, revision: stamps.append(revision) or real_stamp(config, revision))

    assert upgrade_schema(empty) == (None, HEAD)
    assert stamps == [stamped]
    assert tables(empty) - {"alembic_version"} == model_tables()
    with empty.connect() as connection:
        assert schema_differences(connection) == []
        assert connection.execute(sa.text("SELECT count(*) FROM vacancy")).scalar_one() == 1
    assert upgrade_schema(empty) == (HEAD, HEAD)


def test_a_database_missing_release_tables_is_refused(empty):
    create_all(empty, without={"vacancy", "profile_consent", "case_note"})
    with pytest.raises(HeadstartError, match="vacancy"):
        upgrade_schema(empty)
    assert current_revision(empty) is None


def test_a_database_from_a_newer_version_is_refused(empty):
    upgrade_schema(empty)
    with empty.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(HeadstartError, match="9999"):
        upgrade_schema(empty)


def test_a_failed_migration_leaves_nothing_behind(empty, monkeypatch):
    """One transaction per upgrade, on SQLite too: a failure in 0002 undoes 0001 as well."""
    script = core_db._script().get_revision("0002")
    monkeypatch.setattr(script.module, "upgrade", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        upgrade_schema(empty)
    assert not tables(empty) & (model_tables() | {"alembic_version"})


def test_concurrent_upgrades_wait_for_each_other(empty):
    results, errors = [], []

    def upgrade():
        try:
            results.append(upgrade_schema(empty))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(results) == 3
    # One migrated; the others found the database at head once they had the lock.
    assert sum(1 for before, after in results if before is None) == 1, results
    assert all(after == HEAD for _before, after in results)


# ---------------------------------------------------------------------------- CLI


def test_cli_db_upgrade_is_idempotent(run_cli, engine):
    drop_schema(engine)
    result = run_cli("db", "current")
    assert result.exit_code == 0 and result.output.startswith("none"), result.output

    result = run_cli("db", "upgrade", "0001")
    assert result.exit_code == 0, result.output
    assert "upgraded from an empty database to revision 0001" in result.output

    result = run_cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"upgraded from 0001 to revision {HEAD}" in result.output

    result = run_cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"already at revision {HEAD}" in result.output
    assert run_cli("db", "current").output.strip() == f"{HEAD} (head)"
    assert tables(engine) - {"alembic_version"} == model_tables()


def test_cli_init_migrates(run_cli, engine):
    drop_schema(engine)
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    assert current_revision(engine) == head_revision()


def test_cli_db_revision_writes_nothing_when_models_match(run_cli):
    result = run_cli("db", "revision", "-m", "nothing to do")
    assert result.exit_code == 0, result.output
    assert "nothing to write" in result.output


def test_new_revision_autogenerates_the_next_number(tmp_path, monkeypatch):
    """`headstart db revision` on a copy of core/migrations, with a model that gained a column."""
    copy = tmp_path / "migrations"
    shutil.copytree(core_db.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(core_db, "MIGRATIONS_DIR", copy)
    core_db._script.cache_clear()
    try:
        import_table_modules()
        metadata = sa.MetaData()
        for table in SQLModel.metadata.sorted_tables:
            table.to_metadata(metadata)
        sa.Table("vacancy", metadata, sa.Column("remote", sa.Boolean(), nullable=True), extend_existing=True)

        path = core_db.new_revision("add vacancy remote", metadata=metadata)
        assert path is not None and path.parent == copy / "versions"
        assert path.name == "0013_add_vacancy_remote.py"
        source = path.read_text()
        assert "revision: str = '0013'" in source and "down_revision: str | Sequence[str] | None = '0012'" in source
        assert "sa.Column('remote', sa.Boolean(), nullable=True)" in source
        assert "sqlmodel" not in source
        assert core_db.head_revision() == "0013"
    finally:
        core_db._script.cache_clear()
