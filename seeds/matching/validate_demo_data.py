"""Check the matching demo seeds: every line validates with its Input model, external ids are
unique, every ESCO URI is in seeds/esco_core.jsonl, and only the intended duplicate pairs share
a fingerprint.

    .venv/bin/python seeds/matching/validate_demo_data.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from matching.models import ServiceOfferInput, SkillProfileInput, VacancyInput  # noqa: E402

CORE = {json.loads(line)["uri"] for line in (ROOT / "seeds" / "esco_core.jsonl").open(encoding="utf-8") if line.strip()}


def uris(value) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith("http://data.europa.eu/esco/") else []
    if isinstance(value, dict):
        return [u for v in value.values() for u in uris(v)]
    if isinstance(value, list):
        return [u for v in value for u in uris(v)]
    return []


def check(name: str, model) -> tuple[list, list[str]]:
    errors: list[str] = []
    items = []
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        raw = json.loads(line)
        try:
            items.append(model.model_validate(raw))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{name}:{number}: {exc}")
            continue
        for uri in uris(raw):
            if uri not in CORE:
                errors.append(f"{name}:{number}: {uri} is not in esco_core.jsonl")
    ids = Counter(item.external_id for item in items)
    errors += [f"{name}: external_id {key} used {count} times" for key, count in ids.items() if count > 1 or not key]
    return items, errors


def main() -> int:
    vacancies, errors = check("vacancies.jsonl", VacancyInput)
    profiles, more = check("profiles.jsonl", SkillProfileInput)
    errors += more
    offers, more = check("offers.jsonl", ServiceOfferInput)
    errors += more
    owners = Counter(p.owner for p in profiles)
    errors += [f"profiles: owner {o} used twice" for o, c in owners.items() if c > 1]

    groups = defaultdict(list)
    for vacancy in vacancies:
        groups[vacancy.fingerprint()].append(vacancy)
    dupes = [g for g in groups.values() if len(g) > 1]
    for group in dupes:
        feeds = {v.sources[0].feed for v in group}
        if len(group) != 2 or len(feeds) != 2:
            errors.append(f"unexpected fingerprint collision: {[v.external_id for v in group]}")
    if len(dupes) != 5:
        errors.append(f"expected 5 duplicate pairs, found {len(dupes)}")

    if len(vacancies) < 200 or len(profiles) < 50 or len(offers) < 20:
        errors.append(f"too few records: {len(vacancies)} vacancies, {len(profiles)} profiles, {len(offers)} offers")
    for error in errors:
        print(error)
    print(f"{len(vacancies)} vacancies, {len(profiles)} profiles, {len(offers)} offers; "
          f"duplicate pairs: {sorted(sorted(v.external_id for v in g) for g in dupes)}")
    print("OK" if not errors else f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
