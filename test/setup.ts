// Runs in each test worker before every test file: points the studio's environment at this
// worker's database for the current provider and supplies the secrets server/env.ts requires.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";

const { provider, urls } = inject("studioTestDb");
const poolId = Number(process.env.VITEST_POOL_ID ?? "1");
const url = urls[poolId - 1];
if (!url) throw new Error(`No test database for worker ${poolId} (${urls.length} created); raise maxWorkers handling in test/global-setup.ts.`);

process.env.STUDIO_TEST_DB = provider;
process.env.DATABASE_URL = url;
// Once per worker: server/env.ts caches what it read first (workers run several files).
if (process.env.STUDIO_TEST_SECRETS !== "1") {
  process.env.STUDIO_SECRET_KEY = randomBytes(32).toString("base64");
  process.env.NEXTAUTH_SECRET = randomBytes(32).toString("base64");
  process.env.STUDIO_TEST_SECRETS = "1";
}
// Keep tests hermetic: the developer's shell must not change what the domain layer sees.
for (const name of ["LOCAL_GATEWAY_URL", "LOCAL_GATEWAY_TOKEN", "STUDIO_ADMIN_EMAIL", "STUDIO_ADMIN_PASSWORD", "STUDIO_PROBE_INTERVAL_SECONDS", "STUDIO_ARTIFACTS_DIR", "STUDIO_MAX_UPLOAD_BYTES"]) {
  delete process.env[name];
}
