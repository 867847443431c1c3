"""The vacancy pool scores and filters exactly as explain() does, for every vacancy at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from matching import pool_cache, records
from matching.matches import matches_for_profile
from matching.matcher import explain
from matching.models import SkillProfile, Vacancy
from matching.vacancy_pool import VacancyPool
from tests.test_matcher import TAXONOMY, profile, vacancy

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "matching"
TODAY = date(2026, 11, 22)


def test_pool_scores_equal_explain_on_hand_made_cases():
    from matching.models import LegalRoute, VacancyLanguage

    views = [
        vacancy(id=1),
        vacancy(id=2, country="AT"),
        vacancy(id=3, essential_skills=()),
        vacancy(id=4, languages=(VacancyLanguage(language="de", min_level="B2", trainable=True),)),
        vacancy(id=5, legal_route=LegalRoute(eligible_origin_countries=["MA"])),
        vacancy(id=6, valid_through=date(2026, 1, 1)),
        vacancy(id=7, occupation_uri=None, vector=None, optional_skills=()),
    ]
    pool = VacancyPool(views, TAXONOMY)
    person = profile()
    scores = pool.scores(person)
    eligible = pool.eligible(person, TODAY)
    for row, view in enumerate(views):
        explanation = explain(person, view, TAXONOMY, today=TODAY)
        assert scores[row] == pytest.approx(explanation.score, abs=1e-4), view.id
        assert eligible[row] == (not explanation.excluded), view.id


def test_pool_ranking_equals_explaining_every_demo_vacancy(core_runtime):
    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    with Session(core_runtime.engine) as session:
        profile_ids = [p.id for p in session.exec(select(SkillProfile)).all()][:15]
        assert session.exec(select(Vacancy)).first() is not None
    for profile_id in profile_ids:
        pooled, _ = matches_for_profile(core_runtime, profile_id, top=10, today=TODAY)
        everything, _ = matches_for_profile(core_runtime, profile_id, top=100, include_excluded=True, today=TODAY)
        expected = [m for m in everything if not m.explanation.excluded][:10]
        assert [m.vacancy.id for m in pooled] == [m.vacancy.id for m in expected]
        # The whole explanation, each part's value to the last bit: the pool keeps no
        # view, and explain() reads the vector back from the matrix row.
        assert [m.explanation for m in pooled] == [m.explanation for m in expected]


def test_a_new_vacancy_joins_the_pool_at_once(core_runtime):
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    first, _ = matches_for_profile(core_runtime, 1, today=TODAY)
    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    second, _ = matches_for_profile(core_runtime, 1, today=TODAY)
    assert len(second) > len(first)
    assert np.all(np.diff([m.explanation.score for m in second]) <= 1e-9)


# ---------------------------------------------------------------------------- incremental refresh


def assert_same_pool(a: VacancyPool, b: VacancyPool) -> None:
    """Array by array (values and dtypes): the pools score and filter identically."""

    def same(x, y, what):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), what

    assert (a.vacancies is None) == (b.vacancies is None)
    if a.vacancies is not None:
        assert [v.id for v in a.vacancies] == [v.id for v in b.vacancies]
        assert all(x is y or x == y for x, y in zip(a.vacancies, b.vacancies) if x.vector is None)
    for name in ("ids", "has_vector", "matrix", "inverse_norm", "country", "open", "valid_through", "essential_count",
                 "optional_count", "occupation", "language_count", "route_origin", "route_education"):  # fmt: skip
        same(getattr(a, name), getattr(b, name), name)
    for name in ("essential", "optional"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        for part in ("indices", "indptr", "data"):
            same(getattr(x, part), getattr(y, part), f"{name}.{part}")
    assert a.skills == b.skills and a._skill_broader == b._skill_broader
    assert a._country_code == b._country_code and a._uri_code == b._uri_code
    assert a.isco.keys() == b.isco.keys() and all(np.array_equal(a.isco[d], b.isco[d]) for d in a.isco)
    assert list(a.language_min) == list(b.language_min) and list(a.language_trainable) == list(b.language_trainable)
    for language in a.language_min:
        same(a.language_min[language], b.language_min[language], f"language_min {language}")
        same(a.language_trainable[language], b.language_trainable[language], f"language_trainable {language}")
    assert a.route_origin_sets == b.route_origin_sets


def _random_views(rng):
    """A maker of random vacancy views (every constraint and part varies; a fifth have no vector)."""
    from matching.models import LegalRoute, VacancyLanguage
    from tests.test_matcher import ARC, ELDERLY, FIRST_AID, MIG, NURSE, VITAL_SIGNS, WELDER

    skills = [ELDERLY, FIRST_AID, VITAL_SIGNS, ARC, MIG]
    occupations = [None, NURSE, WELDER, vacancy().occupation_uri]
    routes = [LegalRoute(), LegalRoute(eligible_origin_countries=["MA"]), LegalRoute(min_education_level=3)]
    language_sets = [(), (VacancyLanguage(language="de", min_level="B1"),),
                     (VacancyLanguage(language="fr", min_level="A2", trainable=True), VacancyLanguage(language="de", min_level="C1"))]  # fmt: skip

    def random_view(vacancy_id: int):
        return vacancy(
            id=vacancy_id,
            country=str(rng.choice(["DE", "AT", "IT", "SE"])),
            status=str(rng.choice(["open", "open", "closed"])),
            valid_through=None if rng.random() < 0.3 else date(2026, 1, 1) + (date(2027, 1, 1) - date(2026, 1, 1)) * float(rng.random()),
            occupation_uri=occupations[rng.integers(len(occupations))],
            essential_skills=tuple(rng.choice(skills, size=rng.integers(0, 4), replace=False)),
            optional_skills=tuple(rng.choice(skills, size=rng.integers(0, 3), replace=False)),
            languages=language_sets[rng.integers(len(language_sets))],
            legal_route=routes[rng.integers(len(routes))],
            vector=None if rng.random() < 0.2 else rng.normal(size=4),
        )

    return random_view


@pytest.mark.parametrize("keep_views", [True, False])
def test_an_updated_pool_has_the_arrays_of_a_pool_built_from_scratch(keep_views):
    from dataclasses import replace

    rng = np.random.default_rng(5)
    random_view = _random_views(rng)
    views = {i: random_view(i) for i in range(1, 40)}

    def scratch(vacancies):
        return VacancyPool(vacancies, TAXONOMY, keep_views=keep_views)

    pool = scratch([views[i] for i in sorted(views)])
    next_id = 40
    for step in range(60):
        removed = set(rng.choice(sorted(views), size=rng.integers(0, 4), replace=False).tolist()) if views else set()
        edited = [replace(random_view(i), title=f"edited {step}") for i in rng.choice(sorted(views), size=rng.integers(0, 3)).tolist()
                  if i not in removed]  # fmt: skip
        added = [random_view(next_id + k) for k in range(rng.integers(0, 3))]
        next_id += len(added)
        for i in removed:
            del views[i]
        views.update({v.id: v for v in edited + added})
        updated = pool.updated(list(reversed(edited + added)), removed=removed, taxonomy=TAXONOMY)
        assert_same_pool(updated, scratch([views[i] for i in sorted(views)]))
        assert len(pool) + len(added) - len(removed) == len(updated)  # the previous pool is untouched
        pool = updated
    # Down to nothing and back.
    empty = pool.updated([], removed=set(views))
    assert_same_pool(empty, scratch([]))
    assert empty.rank_vacancies_for_profile(profile(), top=5, today=TODAY, views=lambda ids: {}) == []
    again = empty.updated([views[i] for i in sorted(views)], taxonomy=TAXONOMY)
    assert_same_pool(again, scratch([views[i] for i in sorted(views)]))


def test_a_pool_built_chunk_by_chunk_or_combined_has_the_arrays_of_a_pool_built_from_scratch():
    from dataclasses import replace

    from matching.vacancy_pool import VacancyPoolBuilder

    rng = np.random.default_rng(11)
    random_view = _random_views(rng)
    views = [random_view(i) for i in range(1, 80)]
    views[:6] = [replace(v, vector=None) for v in views[:6]]  # a first chunk without any vector
    scratch = VacancyPool(views, TAXONOMY, keep_views=False)
    # Room for exactly these, for more (some closed before they were read), for fewer
    # (some opened after they were listed), and chunks out of id order.
    # (The last: vectors written in place, then a chunk of smaller ids without vectors.)
    in_order = np.arange(len(views))
    for capacity, order in ((len(views), in_order), (len(views) + 5, in_order), (10, in_order),
                            (len(views), rng.permutation(len(views))), (len(views), np.roll(in_order, -6))):  # fmt: skip
        shuffle = order is not in_order
        builder = VacancyPoolBuilder(capacity)
        chunks = np.split(order, [6, 13, 14, 40, 73])
        for chunk in chunks:
            builder.add([views[i] for i in chunk], TAXONOMY)
        allocated = builder._matrix
        built = builder.build(TAXONOMY)
        assert_same_pool(built, scratch)
        # In id order and room for exactly these: the vectors were written where they stay.
        assert (built.matrix is allocated) == (capacity == len(views) and not shuffle)
        assert built.matrix.base is None and built.matrix.flags.c_contiguous
    assert_same_pool(VacancyPoolBuilder(3).build(TAXONOMY), VacancyPool([], TAXONOMY, keep_views=False))
    # Pools combined: a later pool's vacancy replaces an earlier one's, `removed` leave.
    edited = [replace(v, title="edited", vector=None if v.vector is None else v.vector * 2) for v in views[40:60]]
    combined = VacancyPool.combined(
        [VacancyPool(views[:50], TAXONOMY), VacancyPool(edited, TAXONOMY), VacancyPool(views[60:], TAXONOMY)], removed={3, 45, 70}
    )
    expected = [v for v in views[:40] + edited + views[60:] if v.id not in {3, 45, 70}]
    assert_same_pool(combined, VacancyPool(expected, TAXONOMY))
    assert [v.title for v in combined.vacancies] == [v.title for v in expected]


def test_an_updated_pool_keeps_only_its_own_concepts_of_the_taxonomy():
    from tests.test_matcher import ARC, MIG, WELDER

    welding = vacancy(id=2, occupation_uri=WELDER, essential_skills=(ARC, MIG), optional_skills=())
    pool = VacancyPool([vacancy(id=1)], TAXONOMY).updated([welding], taxonomy=TAXONOMY)
    assert set(pool.taxonomy.broader) == {ARC, MIG} and WELDER in pool.taxonomy.isco_codes
    without = pool.updated([], removed={2})
    assert not without.taxonomy.broader and WELDER not in without.taxonomy.isco_codes
    assert without.concepts() == VacancyPool([vacancy(id=1)], TAXONOMY).concepts()


# The service: a pool refreshed after every kind of change ranks like one built from scratch.


def _pool_state(runtime):
    return runtime.caches[pool_cache.POOL_CACHE]


def _scratch(runtime):
    with Session(runtime.engine) as session:
        return pool_cache._refreshed_pool(runtime, session, None, pool_cache._open_listing(session))


def _assert_like_scratch(runtime, profile_ids):
    state, pool = _pool_state(runtime)
    scratch_state, scratch = _scratch(runtime)
    assert_same_pool(pool, scratch)
    assert pool.vacancies is None  # the service's pools keep no views
    assert pool.taxonomy == scratch.taxonomy
    assert sorted(state.seen) == sorted(scratch_state.seen) == pool.ids.tolist()
    assert state.seen == scratch_state.seen
    incremental = {pid: matches_for_profile(runtime, pid, top=20, today=TODAY)[0] for pid in profile_ids}
    assert _pool_state(runtime)[1] is pool  # nothing changed in between
    runtime.caches.put(pool_cache.POOL_CACHE, (state, scratch), personal=False)
    for pid in profile_ids:
        expected, _ = matches_for_profile(runtime, pid, top=20, today=TODAY)
        assert [(m.vacancy.id, m.explanation) for m in incremental[pid]] == [(m.vacancy.id, m.explanation) for m in expected]
    runtime.caches.put(pool_cache.POOL_CACHE, (state, pool), personal=False)


def _listed(runtime):
    with Session(runtime.engine) as session:
        return {entry[0]: entry for entry in pool_cache._open_listing(session)}


def _matches(runtime, profile_id=1):
    return matches_for_profile(runtime, profile_id, top=20, today=TODAY)[0]


def test_the_pool_refresh_reads_only_changed_vacancies_and_ranks_like_a_fresh_pool(core_runtime):
    from datetime import timedelta

    from matching import marketplace
    from matching.models import VacancyInput

    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    with Session(core_runtime.engine) as session:
        profile_ids = [p.id for p in session.exec(select(SkillProfile)).all()][:12]
        seeded = session.exec(select(Vacancy).where(Vacancy.status == "open").order_by(Vacancy.id)).all()
        template = seeded[0]
        data = VacancyInput.model_validate(
            {**template.model_dump(include=set(VacancyInput.model_fields) - {"external_id"}), "external_id": "posted-1",
             "title": "Care assistant for a new ward", "employer": "New employer GmbH"}  # fmt: skip
        )
        edit_id, close_id, delete_id, status_id = (v.id for v in seeded[1:5])
    _matches(core_runtime)
    state, pool = _pool_state(core_runtime)
    assert state.refresh.full and state.refresh.rows_loaded == len(pool) == len(seeded)

    def refresh():
        _matches(core_runtime)
        return _pool_state(core_runtime)[0].refresh

    # Posted.
    with Session(core_runtime.engine) as session:
        posted, created = records.create_vacancy(session=session, data=data)
        session.commit()
        posted_id = posted.id
    assert created
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=1, texts=1, removed=0)
    assert posted_id in _pool_state(core_runtime)[1].ids
    _assert_like_scratch(core_runtime, profile_ids)
    # Nothing changed: no refresh, the same pool.
    pool = _pool_state(core_runtime)[1]
    _matches(core_runtime)
    assert _pool_state(core_runtime)[1] is pool
    # Text edited, with an occupation and a skill no other vacancy uses (taxonomy merged).
    from matching.esco.tables import EscoConcept

    known = _pool_state(core_runtime)[1].concepts()
    with Session(core_runtime.engine) as session:
        row = session.get(Vacancy, edit_id)
        unused = [uri for uri in session.exec(select(EscoConcept.uri)).all() if uri not in known]
        occupation = next(uri for uri in unused if "/occupation/" in uri)
        skill = next(uri for uri in unused if "/skill/" in uri)
        edited = VacancyInput.model_validate(
            {**row.model_dump(include=set(VacancyInput.model_fields)), "description": "Now a different job entirely.",
             "occupation_uri": occupation, "essential_skills": [*row.essential_skills, skill]}  # fmt: skip
        )
        records.update_vacancy(session=session, vacancy=row, data=edited)
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=1, texts=1, removed=0)
    assert {occupation, skill} <= _pool_state(core_runtime)[1].concepts()
    assert occupation in _pool_state(core_runtime)[1].taxonomy.labels
    _assert_like_scratch(core_runtime, profile_ids)
    # Status edited to draft, then closed, then deleted: each leaves the pool.
    with Session(core_runtime.engine) as session:
        row = session.get(Vacancy, status_id)
        records.update_vacancy(session=session, vacancy=row, data=VacancyInput.model_validate(
            {**row.model_dump(include=set(VacancyInput.model_fields)), "status": "draft"}))  # fmt: skip
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=0, texts=0, removed=1)
    with Session(core_runtime.engine) as session:
        marketplace.close_vacancy(session=session, vacancy=session.get(Vacancy, close_id))
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=0, texts=0, removed=1)
    with Session(core_runtime.engine) as session:
        records.delete_vacancy(session=session, vacancy_id=delete_id)
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=0, texts=0, removed=1)
    ids = set(_pool_state(core_runtime)[1].ids.tolist())
    assert not ids & {status_id, close_id, delete_id} and {edit_id, posted_id} <= ids
    _assert_like_scratch(core_runtime, profile_ids)
    # Reopened by an edit: back, read again.
    with Session(core_runtime.engine) as session:
        row = session.get(Vacancy, close_id)
        records.update_vacancy(session=session, vacancy=row, data=VacancyInput.model_validate(
            {**row.model_dump(include=set(VacancyInput.model_fields)), "status": "open"}))  # fmt: skip
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=1, texts=1, removed=0)
    _assert_like_scratch(core_runtime, profile_ids)
    # A write stamped earlier than one already seen (its transaction took the time
    # first, committed last), and one in the same clock tick as the row's last write:
    # neither moves the newest updated_at, both are read.
    with Session(core_runtime.engine) as session:
        row = session.get(Vacancy, posted_id)
        row.title, row.updated_at = "Stamped in the past", row.updated_at - timedelta(days=3)
        session.add(row)
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=1, texts=1, removed=0)
    assert _pool_state(core_runtime)[0].seen[posted_id] == _listed(core_runtime)[posted_id]
    with Session(core_runtime.engine) as session:
        row = session.get(Vacancy, posted_id)
        row.title, row.revision = "Same tick", row.revision + 1
        session.add(row)
        session.commit()
    assert refresh() == pool_cache.PoolRefresh(full=False, rows_loaded=1, texts=1, removed=0)
    assert _pool_state(core_runtime)[0].seen[posted_id] == _listed(core_runtime)[posted_id]
    _assert_like_scratch(core_runtime, profile_ids)


def test_threads_that_notice_a_change_together_refresh_the_pool_once(core_runtime):
    from concurrent.futures import ThreadPoolExecutor

    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    with Session(core_runtime.engine) as session:
        pool_cache.vacancy_pool(core_runtime, session)
        row = session.exec(select(Vacancy).where(Vacancy.status == "open")).first()
        row.status = "closed"
        row.revision += 1
        session.add(row)
        session.commit()

    def pool(_):
        with Session(core_runtime.engine) as session:
            return pool_cache.vacancy_pool(core_runtime, session)[0]

    with ThreadPoolExecutor(max_workers=4) as executor:
        pools = list(executor.map(pool, range(8)))
    assert all(p is pools[0] for p in pools)
    assert _pool_state(core_runtime)[0].refresh.removed == 1


# What a worker keeps, and what a request reads.


def _reachable(root):
    """Every object reachable from `root` through references (classes, modules and
    functions not followed)."""
    import gc
    import types

    seen, stack, found = set(), [root], []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
            continue
        seen.add(id(obj))
        found.append(obj)
        stack.extend(gc.get_referents(obj))
    return found


def test_the_memo_keeps_no_vacancy_row_no_view_and_one_copy_of_each_vector(core_runtime):
    from matching.matcher import VacancyView

    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    assert _matches(core_runtime)
    state, pool = _pool_state(core_runtime)
    objects = _reachable(core_runtime.caches[pool_cache.POOL_CACHE])
    assert not [o for o in objects if isinstance(o, (Vacancy, VacancyView))]
    assert pool.vacancies is None
    width = pool.matrix.shape[1]
    vectors = [o for o in objects if isinstance(o, np.ndarray) and o.dtype.kind == "f" and o.shape[-1:] == (width,)]
    assert len(vectors) == 1 and vectors[0] is pool.matrix and pool.matrix.base is None
    assert len(pool) == len(state.seen) > 200


def test_a_vacancy_closed_deleted_or_edited_after_the_pool_was_refreshed_never_appears(core_runtime, monkeypatch):
    from matching import marketplace
    from matching.models import VacancyInput

    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    before = _matches(core_runtime)
    closed_id, deleted_id, edited_id = gone = [m.vacancy.id for m in before[:3]]
    stale_state, stale_pool = _pool_state(core_runtime)
    with Session(core_runtime.engine) as session:
        marketplace.close_vacancy(session=session, vacancy=session.get(Vacancy, closed_id))
        records.delete_vacancy(session=session, vacancy_id=deleted_id)
        row = session.get(Vacancy, edited_id)
        records.update_vacancy(session=session, vacancy=row, data=VacancyInput.model_validate(
            {**row.model_dump(include=set(VacancyInput.model_fields)), "city": "Elsewhere"}))  # fmt: skip
        session.commit()
    # The writes land after this request's listing: it scores with the pool that still
    # has all three, and reads their rows only afterwards.
    monkeypatch.setattr(pool_cache, "_open_listing", lambda session: stale_state.listing)
    racing = _matches(core_runtime)
    assert _pool_state(core_runtime)[1] is stale_pool and set(gone) <= set(stale_pool.ids.tolist())
    assert not set(gone) & {m.vacancy.id for m in racing}
    assert all(m.vacancy.status == "open" and m.vacancy.city != "Elsewhere" for m in racing)
    rest = [(m.vacancy.id, m.explanation) for m in before if m.vacancy.id not in gone]
    assert [(m.vacancy.id, m.explanation) for m in racing][: len(rest)] == rest
    # The next request's refresh drops the closed and deleted ones and reads the edited one again.
    monkeypatch.undo()
    after = {m.vacancy.id: m.vacancy for m in _matches(core_runtime)}
    assert closed_id not in after and deleted_id not in after
    assert after[edited_id].city == "Elsewhere"
    assert _pool_state(core_runtime)[0].refresh == pool_cache.PoolRefresh(full=False, rows_loaded=1, texts=1, removed=2)


def test_a_refresh_read_in_small_chunks_builds_the_same_pool(core_runtime, monkeypatch):
    from matching.models import VacancyInput

    records.import_vacancies(core_runtime, SEEDS / "vacancies.jsonl")
    records.import_profiles(core_runtime, SEEDS / "profiles.jsonl")
    _matches(core_runtime)
    state, whole = _pool_state(core_runtime)
    monkeypatch.setattr(pool_cache, "_REFRESH_CHUNK", 7)
    chunked_state, chunked = _scratch(core_runtime)
    assert_same_pool(chunked, whole)
    assert chunked.taxonomy == whole.taxonomy and chunked_state.seen == state.seen
    assert chunked_state.refresh == state.refresh
    # A refresh of changed rows, in chunks too.
    with Session(core_runtime.engine) as session:
        for row in session.exec(select(Vacancy).where(Vacancy.status == "open").order_by(Vacancy.id)).all()[5:25]:
            records.update_vacancy(session=session, vacancy=row, data=VacancyInput.model_validate(
                {**row.model_dump(include=set(VacancyInput.model_fields)), "description": f"Rewritten {row.id}."}))  # fmt: skip
        session.commit()
    _matches(core_runtime)
    assert _pool_state(core_runtime)[0].refresh == pool_cache.PoolRefresh(full=False, rows_loaded=20, texts=20, removed=0)
    _assert_like_scratch(core_runtime, [1, 2, 3])
