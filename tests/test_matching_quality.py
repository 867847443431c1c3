"""The matcher against its baselines on ESCO, with the real models (see bench/README.md)."""

from __future__ import annotations

import pytest

from matching.match_evaluation import run_evaluation

pytestmark = pytest.mark.slow


def test_matcher_beats_bm25_and_plain_embedding(esco_runtime, tmp_path):
    result = run_evaluation(esco_runtime, occupations=160, seed=13, confirm=5, work_dir=tmp_path, tune=False)
    scores = dict(result.rows)
    matcher = scores["matcher (shipped weights)"]
    bm25 = scores["BM25 (profile text vs vacancy text)"]
    embedding = scores["plain embedding (cosine of the same texts)"]
    assert result.vacancies == 160 and result.skills_per_vacancy > 3
    assert matcher.mrr > max(bm25.mrr, embedding.mrr), (matcher, bm25, embedding)
    assert matcher.recall_at_10 >= max(bm25.recall_at_10, embedding.recall_at_10) - 0.01


def test_skill_extraction_finds_welding_in_a_job_ad(esco_runtime):
    from matching.suggestion import extract_skills

    text = "Metal workshop seeks a welder. You weld steel frames with MIG and TIG, read technical drawings and grind seams."
    found = extract_skills(esco_runtime, text)
    labels = " ".join(item.label.lower() for item in found)
    assert "weld" in labels
    for item in found:
        assert text[item.span.start : item.span.end] == item.span.text
