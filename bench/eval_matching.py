"""Matcher quality on ESCO against BM25 and plain-embedding baselines (matching/match_evaluation.py).

    .venv/bin/python bench/eval_matching.py [--occupations 300] [--seed 7]

Uses a copy of bench/out/search-source/headstart.db (ESCO imported, vectors cached; made by
bench/bench_search.py, or imported here from HEADSTART_ESCO_DIR on the first run) with the
product's models, so later runs encode only the new texts.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.runtime import Runtime  # noqa: E402
from kb.search.base import IndexDocument, Passage, SearchQuery  # noqa: E402
from kb.search.embedded import EmbeddedSearchIndex  # noqa: E402
from matching import esco  # noqa: E402
from matching.match_evaluation import (  # noqa: E402
    EvalVacancy,
    bm25_rankings,
    embedding_rankings,
    hold_out_titles,
    make_profiles,
    matcher_rankings,
    score,
    typed_titles,
)
from matching.match_service import load_taxonomy  # noqa: E402
from matching.skill_extraction import extract_skills  # noqa: E402
from sqlmodel import Session  # noqa: E402

SOURCE = ROOT / "bench" / "out" / "search-source" / "headstart.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occupations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--confirm", type=int, default=5, help="the person picks the right occupation among this many suggestions (1: takes the first)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "eval_matching.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="headstart-eval-matching-"))
    started = time.perf_counter()
    if SOURCE.exists():
        shutil.copy(SOURCE, work / "headstart.db")
    settings = Settings.from_env().with_(data_dir=work, database_url=f"sqlite:///{work / 'headstart.db'}")
    runtime = Runtime(settings)
    runtime.init_database()
    if not SOURCE.exists():
        esco.import_esco(settings.esco_dir, engine=runtime.engine)
    occupations = esco.concept_documents(runtime.engine, "occupation")
    skills = esco.concept_documents(runtime.engine, "skill")
    titles = typed_titles(occupations)
    descriptions = {d.id: next((p.text for p in d.passages if p.anchor.startswith("desc")), "") for d in occupations}
    eligible = sorted(uri for uri in titles if len(descriptions.get(uri, "")) > 80)
    with Session(runtime.engine) as session:
        codes = load_taxonomy(session, set(eligible)).isco_codes
    by_group: dict[str, list[str]] = {}
    for uri in eligible:
        if codes.get(uri):
            by_group.setdefault(codes[uri], []).append(uri)
    # Pairs of occupations from the same ISCO unit group: each vacancy has a close sibling,
    # so ranking the right one first needs more than the general field of work.
    rng = random.Random(args.seed)
    groups = sorted(code for code, members in by_group.items() if len(members) >= 2)
    chosen = rng.sample(groups, min(args.occupations // 2, len(groups)))
    sample = sorted(uri for code in chosen for uri in rng.sample(sorted(by_group[code]), 2))
    skill_index = runtime.index("skills")
    skill_index.upsert(skills)
    occupation_index = EmbeddedSearchIndex(work / "occupations-held-out.sqlite", name="occupations", encoder=runtime.encoder,
                                           fusion=__import__("kb.search.factory", fromlist=["COLLECTIONS"]).COLLECTIONS["occupations"])  # fmt: skip
    occupation_index.upsert(hold_out_titles(occupations, set(sample)))
    prepared = time.perf_counter() - started
    docs = {d.id: d for d in occupations}
    cache = ROOT / "bench" / "out" / f"eval_matching_vacancies-{args.seed}-{args.occupations}.json"
    extracted = json.loads(cache.read_text()) if cache.exists() else {}
    vacancies = []
    for number, uri in enumerate(sample, start=1):
        if uri not in extracted:
            found = extract_skills(skill_index, runtime.encoder, descriptions[uri], language="en")
            extracted[uri] = [s.uri for s in found[:8]]
        vacancies.append(EvalVacancy(number, uri, docs[uri].title, f"{docs[uri].title}. {descriptions[uri]}", tuple(extracted[uri])))
    cache.write_text(json.dumps(extracted))
    with Session(runtime.engine) as session:
        taxonomy = load_taxonomy(session, {s for v in vacancies for s in v.skills} | {d.id for d in occupations})
    labels = dict(taxonomy.labels)

    truth = {v.uri for v in vacancies}

    def suggest(title: str) -> str | None:
        """The occupation the person ends up with: the right one when it is among the
        first --confirm suggestions (they pick it), else the first suggestion."""
        hits = occupation_index.search(SearchQuery(text=title, k=max(1, args.confirm), language="en", track_total=False)).hits
        if not hits:
            return None
        owner = next((uri for uri, titles_of in titles.items() if title in titles_of and uri in truth), None)
        if args.confirm > 1 and owner in {hit.id for hit in hits}:
            return owner
        return hits[0].id

    siblings = {}
    for v in vacancies:
        sibling = next((w for w in vacancies if w.id != v.id and codes.get(w.uri) == codes.get(v.uri)), None)
        siblings[v.id] = sibling.skills if sibling else ()
    profiles = make_profiles(vacancies, titles, suggest, labels, seed=args.seed, sibling_skills=siblings)
    vacancy_texts = [f"{v.text} {', '.join(labels.get(s, '') for s in v.skills)}" for v in vacancies]
    vacancy_vectors = runtime.encoder.encode(vacancy_texts)
    profile_vectors = runtime.encoder.encode([p.text for p in profiles])
    bm25_index = EmbeddedSearchIndex(":memory:", name="vacancies", encoder=runtime.encoder)
    bm25_index.upsert([IndexDocument(id=str(v.id), title=v.title, passages=(Passage(anchor="text", text=text, embed=False),)) for v, text in zip(vacancies, vacancy_texts)])
    # Both halves of a composite vector are unit vectors: halve the dot product for a cosine.
    scale = 0.5 if getattr(runtime.encoder, "blocks", None) else 1.0
    rows = [
        ("BM25 (profile text vs vacancy text)", score(bm25_rankings(bm25_index, profiles, len(vacancies)))),
        ("plain embedding (cosine of the same texts)", score(embedding_rankings(profile_vectors * scale, vacancy_vectors, vacancies, profiles))),
        ("matcher (shipped weights)", score(matcher_rankings(profiles, profile_vectors * scale, vacancies, vacancy_vectors, taxonomy))),
        ("matcher without the semantic part", score(matcher_rankings(profiles, profile_vectors * scale, vacancies, vacancy_vectors, taxonomy, weights={"semantic": 0.0}))),
        ("matcher without occupation proximity", score(matcher_rankings(profiles, profile_vectors * scale, vacancies, vacancy_vectors, taxonomy, weights={"occupation": 0.0, "experience": 0.0}))),
    ]
    odd = [i for i in range(len(profiles)) if i % 2]
    even = [i for i in range(len(profiles)) if not i % 2]
    grid = [{"semantic": a, "essential_skills": b, "occupation": c} for a in (0.25, 0.4, 0.55, 0.7) for b in (0.1, 0.2, 0.3) for c in (0.1, 0.2, 0.3)]

    def subset(items, keep):
        return [items[i] for i in keep]

    def graded(keep, weights):
        return matcher_rankings(subset(profiles, keep), (profile_vectors * scale)[keep], vacancies, vacancy_vectors, taxonomy, weights=weights)

    best_odd = max(grid, key=lambda w: score(graded(odd, w)).mrr)
    best_even = max(grid, key=lambda w: score(graded(even, w)).mrr)
    rows.append((f"matcher, weights tuned on the other half (2-fold: {best_odd} / {best_even})", score(graded(even, best_odd) + graded(odd, best_even))))
    top1 = np.mean([p.suggested_uri == v.uri for p, v in zip(profiles, vacancies)])
    lines = [
        "# Matcher quality (ESCO, held-out titles)",
        "",
        f"- {len(vacancies)} vacancies and profiles from {len(vacancies) // 2} random ISCO unit groups, two occupations each (seed {args.seed}); "
        f"{np.mean([len(v.skills) for v in vacancies]):.1f} extracted skills per vacancy on average",
        f"- occupation of the profile: the right one for {top1:.0%} of profiles (the person picks it among the first {args.confirm} suggestions of the held-out title, else takes the first)",
        f"- models: {runtime.encoder.model_name}; prepared in {prepared:.0f} s; run at {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| ranking | MRR | Recall@10 |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {s.mrr:.3f} | {s.recall_at_10:.3f} |" for name, s in rows]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    runtime.close()


if __name__ == "__main__":
    main()
