#!/bin/sh
# Entry point of the Headstart image: reads secrets from files, then runs the command.
#
# For each of HEADSTART_SECRET_KEY, HEADSTART_API_TOKEN, HEADSTART_DATABASE_URL and
# ELASTICSEARCH_URL, a VAR_FILE variable (e.g. HEADSTART_SECRET_KEY_FILE=/run/secrets/
# headstart_secret_key, from compose `secrets:`) sets VAR to the file's content, so
# secrets need not sit in the environment of `docker inspect`.
set -eu

for var in HEADSTART_SECRET_KEY HEADSTART_API_TOKEN HEADSTART_DATABASE_URL ELASTICSEARCH_URL; do
    file_var="${var}_FILE"
    eval "file=\${$file_var:-}"
    if [ -n "$file" ]; then
        if [ ! -r "$file" ]; then
            echo "entrypoint: $file_var names $file, which cannot be read" >&2
            exit 2
        fi
        value=$(cat "$file")
        export "$var=$value"
        unset "$file_var"
    fi
done

exec "$@"
