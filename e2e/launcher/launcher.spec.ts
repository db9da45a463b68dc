// `npm start`'s supervisor: a second studio instance on its own port and database, stopped with
// Ctrl-C (SIGINT). Every process it started, and everything those started, must be gone.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "@playwright/test";
import { freePort } from "../../test/gateway";
import { alive, descendants, processTable } from "../fixtures/processes";


test("first run: setup page creates the admin; Ctrl-C stops web, worker, gateway and its kernels", async ({ page }) => {
  test.setTimeout(120_000);
  const dir = path.resolve("data/e2e/launcher");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const databaseUrl = `file:${path.join(dir, "studio.db")}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "ignore" });

  const port = await freePort();
  const launcher = spawn(process.execPath, ["scripts/start.mjs", "--no-setup"], {
    env: { ...process.env, STUDIO_ADMIN_EMAIL: undefined, STUDIO_ADMIN_PASSWORD: undefined, PORT: String(port), DATABASE_URL: databaseUrl, STUDIO_INSTANCE: "launcher-test", STUDIO_KERNEL_ROOT_DIR: path.join(dir, "work") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  launcher.stdout.on("data", (c) => (output += c));
  launcher.stderr.on("data", (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => launcher.on("exit", (code) => resolve(code)));

  try {

    await expect.poll(() => output, { timeout: 90_000 }).toContain("Studio ready");
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);

    // No STUDIO_ADMIN_* in this instance's environment: the first visitor creates the admin.
    await page.goto(`http://localhost:${port}/`);
    await expect(page.getByRole("heading", { name: /create the admin account/ })).toBeVisible();
    await page.getByLabel("Your name").fill("First Admin");
    await page.getByLabel("Email").fill("first@launcher.test");
    await page.getByLabel("Password", { exact: true }).fill("first-admin-password");
    await page.getByLabel("Repeat password").fill("first-admin-password");
    await page.getByRole("button", { name: "Create admin and sign in" }).click();
    await expect(page.getByTestId("current-user")).toHaveText("First Admin");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users & roles" })).toBeVisible();
    // Once set up, the setup endpoint refuses a second admin.
    const again = await fetch(`http://127.0.0.1:${port}/api/setup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Intruder", email: "intruder@launcher.test", password: "intruder-password" }),
    });
    expect(again.status).toBe(409);

    // The worker probes the local host: wait until its probe kernel has come and gone at least once,
    // then start a kernel of our own on the gateway that the shutdown must take down too.
    const studioDb = new Database(path.join(dir, "studio.db"), { readonly: true });
    const hardwareKnown = () => studioDb.prepare("SELECT hardware IS NOT NULL AS known FROM ComputeHost WHERE kind = 'local'").get() as { known: number } | undefined;
    await expect.poll(() => hardwareKnown()?.known, { timeout: 60_000 }).toBe(1);
    studioDb.close();
    const pidFile = path.resolve("data/run/launcher-test.pids");
    expect(existsSync(pidFile)).toBe(true);
    const record = JSON.parse(readFileSync(pidFile, "utf8")) as { bootId: string; processes: { pid: number; command: string }[] };
    const groups = record.processes.map((p) => p.pid);
    expect(groups).toHaveLength(3);
    const gatewayProc = processTable().find((p) => groups.includes(p.pid) && p.cmd.includes("kernelgateway"));
    expect(gatewayProc, "gateway process").toBeDefined();

    // The gateway's token lives only in its own environment; read it there to start a kernel the
    // way the studio would, so the shutdown has a kernel process to take down.
    const environ = Object.fromEntries(
      readFileSync(`/proc/${gatewayProc!.pid}/environ`, "utf8")
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const kernel = await fetch(`http://127.0.0.1:${environ.KG_PORT}/api/kernels`, {
      method: "POST",
      headers: { Authorization: `token ${environ.KG_AUTH_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "python3" }),
    });
    expect(kernel.status).toBe(201);
    await expect.poll(() => descendants(gatewayProc!.pid).some((pid) => processTable().find((p) => p.pid === pid)?.cmd.includes("ipykernel")), { timeout: 20_000 }).toBe(true);

    const everything = descendants(launcher.pid!);
    expect(everything.length).toBeGreaterThanOrEqual(5);

    launcher.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect.poll(() => everything.filter(alive), { timeout: 15_000 }).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
  } finally {
    // A failed assertion must not leave a studio running: stop it, then kill whatever remains.
    if (launcher.exitCode === null && launcher.signalCode === null) {
      const leftovers = descendants(launcher.pid!);
      launcher.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      for (const pid of leftovers) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
  }
});
