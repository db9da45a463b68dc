// Brings a checkout to a runnable state, doing only what is missing or stale. Uses Node built-ins
// only: it runs before node_modules exists. Each step records a stamp (a hash of its inputs) so
// the second `npm start` skips it.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const dataDir = path.join(root, "data");
export const venvDir = path.join(root, "kernels/.venv");
export const venvBin = (name) => path.join(venvDir, "bin", name);

export function log(message) {
  console.log(`[setup] ${message}`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  }
  return result;
}

function hashFiles(files) {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file);
    hash.update(existsSync(path.join(root, file)) ? readFileSync(path.join(root, file)) : "(missing)");
  }
  return hash.digest("hex");
}

function listFiles(dir, filter) {
  const out = [];
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return out;
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (["node_modules", ".next", ".venv", "__pycache__"].includes(entry.name)) continue;
      out.push(...listFiles(rel, filter));
    } else if (filter(rel)) out.push(rel);
  }
  return out.sort();
}

function stamped(stampFile, digest, step) {
  const file = path.join(root, stampFile);
  if (existsSync(file) && readFileSync(file, "utf8") === digest) return false;
  step();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, digest);
  return true;
}

export function ensureNodeModules() {
  // The Node ABI is part of the stamp: native modules (better-sqlite3) must be rebuilt after a Node upgrade.
  stamped("node_modules/.studio-stamp", hashFiles(["package.json", "package-lock.json", ".npmrc"]) + process.versions.modules, () => {
    // `npm install`, not `npm ci`: the registry this project installs from lacks some other
    // platforms' optional packages (e.g. @tailwindcss/oxide-android-arm64), which `npm ci` insists
    // on finding in the lock file. `npm install` still installs the locked versions.
    log("installing node modules (npm install)…");
    run("npm", ["install", "--no-audit", "--no-fund"]);
  });
}

/** The venv for the local compute host; `dev` adds pytest for the test suite. */
export function ensureVenv({ dev = false } = {}) {
  const requirements = dev ? "kernels/requirements-dev.txt" : "kernels/requirements.txt";
  // pip, not python: a venv whose creation failed halfway (no ensurepip) has python but no pip.
  if (!existsSync(venvBin("pip"))) {
    log("creating the Python venv for the local compute host (kernels/.venv)…");
    rmSync(venvDir, { recursive: true, force: true });
    run("python3", ["-m", "venv", venvDir]);
  }
  const python = spawnSync(venvBin("python"), ["-c", "import sys; print(sys.version)"], { encoding: "utf8" }).stdout;
  stamped(`kernels/.venv/.studio-stamp${dev ? "-dev" : ""}`, hashFiles(["kernels/requirements.txt", requirements]) + python, () => {
    log(`installing ${requirements} into kernels/.venv…`);
    run(venvBin("python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements]);
  });
}

/** Jupyter Enterprise Gateway in a venv of its own, for the tests that keep the studio compatible with it. */
export function ensureEnterpriseGatewayVenv() {
  const dir = path.join(root, "kernels/.venv-eg");
  if (!existsSync(path.join(dir, "bin/pip"))) {
    log("creating kernels/.venv-eg (Enterprise Gateway, for tests)…");
    rmSync(dir, { recursive: true, force: true });
    run("python3", ["-m", "venv", dir]);
  }
  stamped("kernels/.venv-eg/.studio-stamp", hashFiles(["kernels/requirements-eg.txt"]), () => {
    log("installing kernels/requirements-eg.txt into kernels/.venv-eg…");
    run(path.join(dir, "bin/python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "kernels/requirements-eg.txt"]);
  });
}

/** Secrets that must survive restarts: session signing and at-rest encryption of gateway tokens. */
export function ensureSecrets() {
  const file = path.join(dataDir, "secrets.json");
  // data/ holds the database, secrets and kernels' files: nobody else on the machine reads it.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  if (!existsSync(file)) {
    log("generating data/secrets.json…");
    const secrets = { NEXTAUTH_SECRET: randomBytes(32).toString("base64url"), STUDIO_SECRET_KEY: randomBytes(32).toString("base64") };
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return JSON.parse(readFileSync(file, "utf8"));
}

export function defaultDatabaseUrl() {
  return `file:${path.join(dataDir, "studio.db")}`;
}

export function ensurePrismaClients() {
  const inputs = ["prisma/schema.prisma", "prisma/postgres/schema.prisma", "package-lock.json"];
  stamped("generated/.studio-stamp", hashFiles(inputs), () => {
    log("generating the Prisma clients…");
    run("node", ["scripts/prisma-schemas.mjs", "--check"]);
    // Each generator needs a URL of its own provider in the environment, not a connection.
    run("npx", ["prisma", "generate"], { env: { ...process.env, DATABASE_URL: `file:${path.join(dataDir, "unused.db")}` } });
    run("npx", ["prisma", "generate"], { env: { ...process.env, DATABASE_URL: "postgresql://unused@127.0.0.1:5432/unused" } });
  });
}

/** Applies committed migrations; cheap when there is nothing to apply. */
export function migrate(databaseUrl) {
  log(`applying database migrations (${databaseUrl.startsWith("file:") ? "SQLite" : "PostgreSQL"})…`);
  mkdirSync(dataDir, { recursive: true });
  run("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ["ignore", "ignore", "inherit"] });
  if (databaseUrl.startsWith("file:")) {
    // WAL lets the web and worker processes read while the other writes (persistent per file).
    run("node", ["-e", `const D=require("better-sqlite3");const d=new D(process.argv[1]);d.pragma("journal_mode = WAL");d.close()`, databaseUrl.slice(5)]);
  }
}

const buildInputs = () => [
  ...["package-lock.json", "next.config.js", "postcss.config.mjs", "tsconfig.json", "prisma/schema.prisma"],
  ...["app", "components", "lib", "server", "public"].flatMap((d) => listFiles(d, () => true)),
];

export function ensureBuild() {
  const built = existsSync(path.join(root, ".next/BUILD_ID"));
  const digest = hashFiles(buildInputs());
  const stampFile = path.join(root, ".next/.studio-stamp");
  if (built && existsSync(stampFile) && readFileSync(stampFile, "utf8") === digest) return;
  log("building the web app (next build)…");
  run("npx", ["next", "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  writeFileSync(stampFile, digest);
}

/** Everything `npm start` needs before it launches processes. */
export function setup({ dev = false, databaseUrl } = {}) {
  const started = Date.now();
  ensureNodeModules();
  ensureVenv({ dev });
  const secrets = ensureSecrets();
  ensurePrismaClients();
  migrate(databaseUrl);
  ensureBuild();
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return secrets;
}
