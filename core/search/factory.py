"""Opens the configured engine for a collection; the only place that knows the engines."""

from __future__ import annotations

from core.config import Settings
from core.embeddings.encoder import Encoder
from core.errors import HeadstartError
from core.search.base import Fusion, SearchIndex
from core.search.elastic import ElasticsearchIndex
from core.search.embedded import EmbeddedSearchIndex

# Collections and the fusion measured best for each (bench/README.md). On held-out ESCO
# labels no fusion beat the dense arm alone (best convex weight 0.95: MRR 0.685 against
# 0.688; RRF 0.507), so the ESCO collections rank by vectors and use words only when the
# vectors find nothing. Skills follow occupations (ESCO skills have too few alternative
# labels for the same held-out test).
#
# The library is the other way round: on 62 judged practitioner queries the convex fusion
# beats both arms (nDCG@10 0.807 with alpha 0.8 chosen by two-fold cross-validation,
# vectors alone 0.779, BM25 alone 0.631, RRF 0.754), so it ranks by that fusion.
COLLECTIONS: dict[str, Fusion] = {
    "occupations": Fusion(method="convex", alpha=1.0),
    "skills": Fusion(method="convex", alpha=1.0),
    "library": Fusion(method="convex", alpha=0.8),
}


def open_index(settings: Settings, name: str, encoder: Encoder) -> SearchIndex:
    fusion = COLLECTIONS.get(name, Fusion())
    if settings.search_backend == "embedded":
        return EmbeddedSearchIndex(settings.search_dir / f"{name}.sqlite", name=name, encoder=encoder, fusion=fusion)
    if settings.search_backend == "elasticsearch":
        # Nothing is sent until the first use; an unreachable server is then one
        # HeadstartError naming ELASTICSEARCH_URL (core/search/elastic.py).
        return ElasticsearchIndex.from_url(
            settings.elasticsearch_url, name=name, encoder=encoder, fusion=fusion, prefix=settings.elasticsearch_prefix
        )
    raise HeadstartError(
        f"The {settings.search_backend!r} search engine is not available in this version; "
        "set HEADSTART_SEARCH=embedded"
    )
