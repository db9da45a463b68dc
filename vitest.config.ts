// One command, `npx vitest run`, runs every *.test.ts under server/ and lib/ twice: once against
// SQLite and once against PostgreSQL (a throwaway database per run). See test/README.md.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.dirname(fileURLToPath(import.meta.url));
const providers = ["sqlite", "postgres"] as const;

export default defineConfig({
  resolve: {
    alias: [
      // Same mapping as tsconfig.node.json: outside Next, the `server-only` guard is an empty module.
      { find: /^server-only$/, replacement: path.join(root, "server/node-server-only.ts") },
      { find: /^@\/(.*)$/, replacement: `${root}/$1` },
    ],
  },
  test: {
    // @jupyterlab/services logs every kernel WebSocket it opens and closes (integration tests).
    onConsoleLog: (log) => !/^(Starting WebSocket|Kernel: dead)/.test(log),
    // Two cores: two workers. Each worker gets its own database per provider (test/global-setup.ts), so
    // files never share a database while they run.
    maxWorkers: 2,
    projects: providers.map((provider) => ({
      extends: true as const,
      test: {
        name: provider,
        include: ["server/**/*.test.ts", "lib/**/*.test.ts", "components/**/*.test.ts"],
        environment: "node",
        // Files in a worker share loaded modules (the Prisma client import dominates otherwise: ~2x faster).
        isolate: false,
        env: { STUDIO_TEST_DB: provider },
        globalSetup: ["test/global-setup.ts"],
        setupFiles: ["test/setup.ts"],
        testTimeout: 20_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
