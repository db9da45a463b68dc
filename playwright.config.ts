import { defineConfig } from "@playwright/test";
import path from "node:path";

// The e2e suite runs against a real studio (web + worker + local kernel gateway) on its own port
// and its own SQLite database, started the same way `npm start` starts it.
const port = Number(process.env.E2E_PORT ?? 3100);
// E2E_DATA_DIR lets a second run (another port) keep its own database beside the first.
export const e2eDataDir = path.resolve(process.env.E2E_DATA_DIR ?? "data/e2e");

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  globalSetup: "./e2e/fixtures/global-setup.ts",
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  webServer: {
    command: "node scripts/start.mjs --no-setup",
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      PORT: String(port),
      // Its own instance tag per port: the launcher reaps leftovers of its tag, never another run's.
      STUDIO_INSTANCE: port === 3100 ? "e2e" : `e2e-${port}`,
      DATABASE_URL: `file:${path.join(e2eDataDir, "studio.db")}`,
      STUDIO_ADMIN_EMAIL: "admin@e2e.test",
      STUDIO_ADMIN_PASSWORD: "admin-e2e-password",
      STUDIO_PROBE_INTERVAL_SECONDS: "5",
      STUDIO_KERNEL_ROOT_DIR: path.join(e2eDataDir, "work"),
    },
  },
});
