// `npm start`: set up whatever a fresh clone lacks, then run the studio: the local kernel gateway,
// the web server on http://localhost:$PORT (3000) and the background worker. Ctrl-C stops them all.
//   --no-setup   skip the set-up steps (used by the test suite after it has set up once)
import path from "node:path";
import { setup, defaultDatabaseUrl, ensureSecrets, root } from "./lib/setup.mjs";
import { launch, onShutdownSignals, reapStale, startGateway, waitForHttp, stopAll } from "./lib/processes.mjs";

const tag = process.env.STUDIO_INSTANCE ?? "studio";
const databaseUrl = process.env.DATABASE_URL ?? defaultDatabaseUrl();
const port = Number(process.env.PORT ?? 3000);

onShutdownSignals(tag);
reapStale(tag);

try {
  const secrets = process.argv.includes("--no-setup") ? ensureSecrets() : setup({ databaseUrl });
  const env = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? secrets.NEXTAUTH_SECRET,
    STUDIO_SECRET_KEY: process.env.STUDIO_SECRET_KEY ?? secrets.STUDIO_SECRET_KEY,
    // Runs our TypeScript entry points with tsx and maps `server-only` to a no-op (tsconfig.node.json).
    TSX_TSCONFIG_PATH: path.join(root, "tsconfig.node.json"),
  };
  const gateway = await startGateway(tag, env);
  const studioEnv = { ...env, LOCAL_GATEWAY_URL: gateway.url, LOCAL_GATEWAY_TOKEN: gateway.token };
  const tsx = ["--import", "tsx"];
  launch(tag, "worker", process.execPath, [...tsx, "server/worker/main.ts"], studioEnv);
  launch(tag, "web", process.execPath, [...tsx, "server/web/main.ts"], studioEnv);
  await waitForHttp(`http://127.0.0.1:${port}/api/health`, { timeoutMs: 60_000, what: "The web server" });
  console.log(`\n  Studio ready: http://localhost:${port}\n`);
} catch (error) {
  console.error(`[studio] ${error.message}`);
  await stopAll(tag, 1);
}
