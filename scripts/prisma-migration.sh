#!/usr/bin/env bash
# Writes a new migration for both providers from the current schema:
#   scripts/prisma-migration.sh <name>
# `prisma migrate dev` cannot run with the JS schema engine (ENVIRONMENT.md), so each migration is
# the diff between the committed migrations and the schema, produced by `prisma migrate diff`.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/prisma-migration.sh <name>}
node scripts/prisma-schemas.mjs
stamp=$(date -u +%Y%m%d%H%M%S)
for provider in sqlite postgres; do
  if [ "$provider" = sqlite ]; then dir=prisma/migrations schema=prisma/schema.prisma url="file:$(mktemp -d)/shadow.db";
  else dir=prisma/postgres/migrations schema=prisma/postgres/schema.prisma url=postgresql://postgres@127.0.0.1:5432/postgres; fi
  mkdir -p "$dir/${stamp}_$name"
  if ls "$dir"/*/migration.sql >/dev/null 2>&1 && [ "$(ls -d "$dir"/*/ | wc -l)" -gt 1 ]; then
    shadow=studio_shadow_$$
    [ "$provider" = postgres ] && psql -h 127.0.0.1 -U postgres -qc "create database $shadow" && shadow_url=postgresql://postgres@127.0.0.1:5432/$shadow || shadow_url="file:$(mktemp -d)/shadow.db"
    DATABASE_URL=$url npx prisma migrate diff --from-migrations "$dir" --shadow-database-url "$shadow_url" --to-schema-datamodel "$schema" --script > "$dir/${stamp}_$name/migration.sql"
    [ "$provider" = postgres ] && psql -h 127.0.0.1 -U postgres -qc "drop database $shadow"
  else
    DATABASE_URL=$url npx prisma migrate diff --from-empty --to-schema-datamodel "$schema" --script > "$dir/${stamp}_$name/migration.sql"
  fi
  echo "wrote $dir/${stamp}_$name/migration.sql"
done
