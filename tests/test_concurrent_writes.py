"""Writes from several processes at once lose nothing.

Four processes, each with its own engine, post vacancies and profiles one transaction at
a time (as the web app does per request), all starting together. On SQLite this
exercises WAL and the busy timeout (core/db.py); on PostgreSQL, ordinary concurrency.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from matching.models import SkillProfile, Vacancy

pytestmark = pytest.mark.slow  # four Python processes start: about 15 s on two cores

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "matching"
PROCESSES = 4
VACANCIES_EACH = 50
PROFILES_EACH = 20


def _first(name: str) -> dict:
    return json.loads((SEEDS / name).read_text(encoding="utf-8").splitlines()[0])


def _writer(database_url: str, worker: int, start, results) -> None:
    """One process: its own engine, one transaction per record, vacancies and profiles interleaved."""
    from core.db import make_engine, session_scope
    from matching import records
    from matching.models import SkillProfileInput, VacancyInput

    vacancy, profile = _first("vacancies.jsonl"), _first("profiles.jsonl")
    engine = make_engine(database_url)
    start.wait(timeout=120)
    created = 0
    try:
        for n in range(VACANCIES_EACH):
            data = {**vacancy, "external_id": f"w{worker}-v{n}", "title": f"{vacancy['title']} (worker {worker}, {n})"}
            with session_scope(engine) as db:
                created += records.create_vacancy(session=db, data=VacancyInput.model_validate(data))[1]
            if n < PROFILES_EACH:
                with session_scope(engine) as db:
                    records.create_profile(
                        session=db, data=SkillProfileInput.model_validate({**profile, "external_id": f"w{worker}-p{n}"})
                    )
        results.put((worker, created, None))
    except Exception as error:  # reported to the test, which fails with it
        results.put((worker, created, repr(error)))
    finally:
        engine.dispose()


def test_four_processes_writing_at_once_lose_nothing(engine, settings):
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_writer, args=(settings.database_url, worker, start, results)) for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    start.set()
    outcomes = sorted(results.get(timeout=300) for _ in workers)
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    results.close()
    results.join_thread()

    assert [error for _, _, error in outcomes] == [None] * PROCESSES
    assert [created for _, created, _ in outcomes] == [VACANCIES_EACH] * PROCESSES
    engine.dispose()
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Vacancy)).scalar() == PROCESSES * VACANCIES_EACH
        assert session.execute(select(func.count()).select_from(SkillProfile)).scalar() == PROCESSES * PROFILES_EACH
        external_ids = set(session.execute(select(Vacancy.external_id)).scalars())
    assert external_ids == {f"w{w}-v{n}" for w in range(PROCESSES) for n in range(VACANCIES_EACH)}
