#!/usr/bin/env bash
# Writes a new migration for both providers from the change to prisma/schema.prisma:
#   scripts/prisma-migration.sh <name>
# `prisma migrate dev` and `migrate diff --from-migrations` need a shadow database, which the JS
# schema engine cannot use here (ENVIRONMENT.md), so a migration is the diff between the schema
# as last committed (git HEAD, which must match the latest migration) and the working copy.
# Commit the schema together with the migration it produced.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/prisma-migration.sh <name>}
node scripts/prisma-schemas.mjs
stamp=$(date -u +%Y%m%d%H%M%S)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if git cat-file -e HEAD:prisma/schema.prisma 2>/dev/null && ls prisma/migrations/*/migration.sql >/dev/null 2>&1; then
  git show HEAD:prisma/schema.prisma > "$tmp/schema.prisma"
  git show HEAD:prisma/postgres/schema.prisma > "$tmp/postgres.prisma"
  from_sqlite=(--from-schema-datamodel "$tmp/schema.prisma")
  from_pg=(--from-schema-datamodel "$tmp/postgres.prisma")
else
  from_sqlite=(--from-empty)
  from_pg=(--from-empty)
fi
# The JS schema engine connects through prisma.config.ts's adapter even to diff two schemas, so
# the PostgreSQL diff needs a reachable server (the local one; nothing is written to it).
DATABASE_URL="file:$tmp/unused.db" npx prisma migrate diff "${from_sqlite[@]}" --to-schema-datamodel prisma/schema.prisma --script > "$tmp/sqlite.sql"
DATABASE_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres} npx prisma migrate diff "${from_pg[@]}" --to-schema-datamodel prisma/postgres/schema.prisma --script > "$tmp/postgres.sql"
for f in "$tmp/sqlite.sql" "$tmp/postgres.sql"; do
  grep -q '[A-Z]' "$f" || { echo "no schema change found: nothing written" >&2; exit 1; }
done
mkdir -p "prisma/migrations/${stamp}_$name" "prisma/postgres/migrations/${stamp}_$name"
mv "$tmp/sqlite.sql" "prisma/migrations/${stamp}_$name/migration.sql"
mv "$tmp/postgres.sql" "prisma/postgres/migrations/${stamp}_$name/migration.sql"
echo "wrote prisma/migrations/${stamp}_$name and prisma/postgres/migrations/${stamp}_$name"
