// `npm test`: the whole suite on a fresh clone. Sets up what is missing (same steps as
// `npm start`), then runs typecheck, lint, unit + integration tests against SQLite and
// PostgreSQL (vitest), the Python tests (pytest) and the browser tests (Playwright), and ends
// with one line: `N passed, N failed`.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  ensureBuild,
  ensureChromium,
  ensureEnterpriseGatewayVenv,
  ensureNodeModules,
  ensurePrismaClients,
  ensureSecrets,
  ensureVenv,
  migrate,
  root,
  sandboxed,
  venvBin,
} from "./lib/setup.mjs";

const results = [];
const started = Date.now();

function step(name, command, args, { env = {}, fullEnv, count } = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const res = spawnSync(command, args, { cwd: root, stdio: "inherit", env: fullEnv ?? { ...process.env, ...env } });
  const ok = res.status === 0;
  let counts = ok ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
  if (count) {
    try {
      const c = count();
      // A runner that crashed before reporting still counts as a failure.
      counts = { passed: c.passed, failed: c.failed + (ok || c.failed > 0 ? 0 : 1) };
    } catch {
      /* no report: keep the exit-code verdict */
    }
  }
  results.push({ name, ok, ...counts, seconds: (Date.now() - t0) / 1000 });
  console.log(`--- ${name}: ${ok ? "ok" : "FAILED"} (${counts.passed} passed, ${counts.failed} failed, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

const report = (file) => JSON.parse(readFileSync(path.join(root, "test-results", file), "utf8"));

try {
  ensureNodeModules();
  ensureVenv({ dev: true });
  ensureEnterpriseGatewayVenv();
  ensureSecrets();
  ensurePrismaClients();
  ensureBuild();
  ensureChromium();
} catch (error) {
  console.error(`[test] set-up failed: ${error.message}`);
  console.log("\n0 passed, 1 failed");
  process.exit(1);
}

rmSync(path.join(root, "test-results"), { recursive: true, force: true });
mkdirSync(path.join(root, "test-results"), { recursive: true });

step("prisma schemas in sync", "node", ["scripts/prisma-schemas.mjs", "--check"]);
step("typecheck", "npx", ["tsc", "--noEmit"]);
step("lint", "npx", ["eslint", "--max-warnings=0", "."]);

step("unit + integration (vitest, SQLite and PostgreSQL)", "npx", ["vitest", "run", "--reporter=default", "--reporter=json", "--outputFile=test-results/vitest.json"], {
  count: () => {
    const r = report("vitest.json");
    return { passed: r.numPassedTests, failed: r.numFailedTests };
  },
});

// kernels/.venv is writable from inside notebooks' kernels, so it only ever runs in their sandbox:
// pytest too, with its scratch space (and report) in a workspace of its own.
const pytestWork = path.join(root, "data/pytest-work");
rmSync(pytestWork, { recursive: true, force: true });
const pytest = sandboxed(venvBin("python"), ["-m", "pytest", path.join(root, "kernels/tests"), "-q", "-p", "no:cacheprovider", `--rootdir=${root}`, `--junitxml=${pytestWork}/pytest.xml`], {
  workspace: pytestWork,
});
step("python (pytest, in the kernel sandbox)", pytest.command, pytest.args, {
  fullEnv: pytest.env,
  count: () => {
    const xml = readFileSync(path.join(pytestWork, "pytest.xml"), "utf8");
    const attr = (n) => Number(new RegExp(`<testsuite[^>]*\\b${n}="(\\d+)"`).exec(xml)?.[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    return { passed: attr("tests") - failed - attr("skipped"), failed };
  },
});

// The e2e studio gets a fresh database of its own each run.
const e2eDir = path.join(root, "data/e2e");
rmSync(e2eDir, { recursive: true, force: true });
mkdirSync(e2eDir, { recursive: true });
try {
  migrate(`file:${path.join(e2eDir, "studio.db")}`);
  step("e2e (Playwright, headless Chromium)", "npx", ["playwright", "test"], {
    count: () => {
      const s = report("e2e.json").stats;
      return { passed: s.expected + s.flaky, failed: s.unexpected };
    },
  });
} catch (error) {
  results.push({ name: "e2e database", ok: false, passed: 0, failed: 1, seconds: 0 });
  console.error(error.message);
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log("\n=== summary ===");
for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(52)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${r.seconds.toFixed(0).padStart(5)} s`);
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && results.every((r) => r.ok) ? 0 : 1);
