// What the browser benchmarks share: a studio of their own (started like `npm start --no-setup`, on
// a random port with a throwaway SQLite database), an API context signed in as its admin, and
// headless Chromium. Needs a built studio (`npm start` or `npm test` once).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, request, type APIRequestContext, type Browser } from "@playwright/test";

export interface BrowserStudio {
  base: string;
  browser: Browser;
  /** Signed in as the studio's admin (cookies usable in browser contexts through storageState). */
  api: APIRequestContext;
  close(): Promise<void>;
}

export async function startBrowserStudio(tag: string): Promise<BrowserStudio> {
  const admin = { email: "bench-admin@studio.test", password: "bench-admin-password" };
  const port = 3400 + Math.floor(Math.random() * 500);
  const base = `http://localhost:${port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${tag}-`));
  const env = {
    ...process.env,
    PORT: String(port),
    STUDIO_INSTANCE: `bench-${tag}-${port}`,
    DATABASE_URL: `file:${path.join(dir, "studio.db")}`,
    STUDIO_ADMIN_EMAIL: admin.email,
    STUDIO_ADMIN_PASSWORD: admin.password,
    STUDIO_KERNEL_ROOT_DIR: path.join(dir, "work"),
  };
  // The database needs its tables before the studio starts (--no-setup skips set-up).
  await new Promise<void>((resolve, reject) => {
    const migrate = spawn("npx", ["prisma", "migrate", "deploy"], { env, stdio: "ignore" });
    migrate.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`migrate deploy exited ${code}`))));
  });
  const studio = spawn(process.execPath, ["scripts/start.mjs", "--no-setup"], { env, stdio: ["ignore", "ignore", "inherit"], detached: true });
  const stopStudio = async () => {
    if (studio.exitCode !== null) return;
    const exited = new Promise((resolve) => studio.once("exit", resolve));
    process.kill(-studio.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const close = async () => {
    await browser.close();
    await stopStudio();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const up = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error("the studio did not start within 120 s");
      await new Promise((r) => setTimeout(r, 500));
    }
    const api = await request.newContext({ baseURL: base });
    const csrf = await (await api.get("/api/auth/csrf")).json();
    await api.post("/api/auth/callback/credentials", { form: { csrfToken: csrf.csrfToken, email: admin.email, password: admin.password, json: "true" }, maxRedirects: 0 });
    return {
      base,
      browser,
      api,
      close: async () => {
        await api.dispose();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
