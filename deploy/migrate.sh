#!/bin/sh
# One-shot start-up job of the compose file's `migrate` service (and usable by hand:
#   docker compose run --rm migrate):
#   1. `headstart db upgrade`: apply the Alembic migrations (core/migrations);
#   2. `headstart index rebuild`, only when it is needed: a search collection is empty,
#      was built by another embedding model or another mapping version (the engines
#      refuse such an index until it is rebuilt), or HEADSTART_REINDEX=always.
#      HEADSTART_REINDEX=never skips the check.
# A rebuild re-encodes only texts the embedding cache (in the database) has not seen.
set -eu

headstart db upgrade

case "${HEADSTART_REINDEX:-auto}" in
    never)
        echo "migrate: HEADSTART_REINDEX=never: index check skipped"
        exit 0
        ;;
    always)
        reason="HEADSTART_REINDEX=always"
        ;;
    *)
        reason=$(python - <<'PY'
from core.config import Settings
from core.errors import HeadstartError
from core.runtime import Runtime

runtime = Runtime(Settings.from_env())
reasons = []
try:
    for name in ("occupations", "skills", "library"):
        index = runtime.index(name)
        try:
            # upsert([]) writes nothing but refuses an index built by another model or
            # mapping version, in both engines; the models are not loaded.
            index.upsert([])
            if index.count() == 0:
                reasons.append(f"{name} is empty")
        except HeadstartError as error:
            reasons.append(f"{name}: {error.message}")
finally:
    runtime.close()
print("; ".join(reasons))
PY
)
        ;;
esac

if [ -n "$reason" ]; then
    echo "migrate: rebuilding the search indexes ($reason)"
    headstart index rebuild
else
    echo "migrate: search indexes up to date"
fi
