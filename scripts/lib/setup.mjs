// Brings a checkout to a runnable state, doing only what is missing or stale. Uses Node built-ins
// only: it runs before node_modules exists. Each step records a stamp (a hash of its inputs) so
// the second `npm start` skips it.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, chmodSync, constants, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  // lstat: kernels can write kernels/.venv, so a stamp there may be a link or a huge file they put
  // in its place. Only a small regular file counts, and the new stamp never follows a link.
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (stat?.isFile() && stat.size < 4096 && readFileSync(file, "utf8") === digest) return false;
  step();
  mkdirSync(path.dirname(file), { recursive: true });
  rmSync(file, { force: true, recursive: true });
  writeFileSync(file, digest, { flag: "wx" });
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
  // `npm test` calls this step on its own: the sandbox must exist before the venv is run.
  ensureBubblewrap();
  const create = () => {
    log("creating the Python venv for the local compute host (kernels/.venv)…");
    rmSync(venvDir, { recursive: true, force: true });
    run("python3", ["-m", "venv", venvDir]);
  };
  // pip, not python: a venv whose creation failed halfway (no ensurepip) has python but no pip.
  if (!existsSync(venvBin("pip"))) create();
  // From here on the venv is the kernels': they can write it (`%pip install`), so whatever it holds
  // may have been put there by users' code. The studio runs it only inside the kernel sandbox.
  const inSandbox = (args, options = {}) => {
    const sandbox = sandboxed(venvBin("python"), args);
    return spawnSync(sandbox.command, sandbox.args, { cwd: root, env: sandbox.env, ...options });
  };
  const version = () => inSandbox(["-c", "import sys; print(sys.version)"], { encoding: "utf8" });
  let python = version();
  if (python.status !== 0) {
    // E.g. the Python it was made from is gone (a pyenv version removed).
    log(`kernels/.venv does not run (${(python.stderr || "").trim().split("\n").pop()}); recreating it`);
    create();
    python = version();
  }
  stamped(`kernels/.venv/.studio-stamp${dev ? "-dev" : ""}`, hashFiles(["kernels/requirements.txt", requirements]) + python.stdout, () => {
    log(`installing ${requirements} into kernels/.venv…`);
    const result = inSandbox(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", path.join(root, requirements)], { stdio: "inherit" });
    if (result.status !== 0) throw new Error(`pip install -r ${requirements} failed (exit ${result.status ?? result.signal})`);
  });
  // The studio's Python SDK (`import studio`, kernels/sdk): what notebooks log with and what runs
  // jobs. Built by flit_core, which writes only into pip's temporary directory: the checkout is
  // read-only inside the sandbox. Any change to its files reinstalls it (same version number, so
  // --force-reinstall; --no-deps: it has none, and the venv's packages stay as pinned above).
  const sdkFiles = listFiles("kernels/sdk", (file) => !file.endsWith(".pyc") && !file.includes(".egg-info"));
  stamped("kernels/.venv/.studio-stamp-sdk", hashFiles(sdkFiles) + python.stdout, () => {
    log("installing the studio SDK (kernels/sdk) into kernels/.venv…");
    const args = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall", path.join(root, "kernels/sdk")];
    const result = inSandbox(args, { stdio: "inherit" });
    if (result.status !== 0) throw new Error(`pip install kernels/sdk failed (exit ${result.status ?? result.signal})`);
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
  ensureBubblewrap();
  ensureNodeModules();
  ensureVenv({ dev });
  const secrets = ensureSecrets();
  ensurePrismaClients();
  migrate(databaseUrl);
  ensureBuild();
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return secrets;
}

// --- Kernel sandbox ---------------------------------------------------------------------------
// Kernels of the local gateway run users' code. Unconfined, that code would run as the studio's own
// OS user: it could read data/ (secrets, database), other processes' environments, and rewrite the
// studio. So the gateway, and every kernel it spawns, runs under bubblewrap (bwrap):
//   - the filesystem read-only; data/ (and a SQLite database's directory elsewhere), the user's
//     home, /run and /tmp replaced by empty tmpfs (home and /tmp stay writable, private, ephemeral);
//   - writable: the kernels' working directory (STUDIO_KERNEL_ROOT_DIR) and kernels/.venv (%pip);
//   - a PID namespace of its own with a fresh /proc: no other process is visible;
//   - every capability dropped (bwrap keeps them for root unless told), no_new_privs (always set
//     by bwrap); --die-with-parent;
//   - the network is shared: the gateway listens on loopback, kernels may need pip.
// The studio's secrets never reach the sandbox's environment (kernelSafeEnv).

export const UNSANDBOXED_VAR = "STUDIO_UNSANDBOXED_KERNELS";

export function sandboxOptedOut(env = process.env) {
  return /^(1|true|yes)$/i.test((env[UNSANDBOXED_VAR] ?? "").trim());
}

// Kernels inherit the gateway's environment and run users' code: keep the studio's secrets out.
const STUDIO_SECRETS = /^(DATABASE_URL|NEXTAUTH_.*|STUDIO_SECRET_KEY|STUDIO_ADMIN_.*|LOCAL_GATEWAY_.*)$/;

export function kernelSafeEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== undefined && !STUDIO_SECRETS.test(key)));
}

function which(name, env) {
  for (const dir of (env.PATH ?? "").split(":")) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

function realpathOrNull(file) {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}

/** `dir` is `inner` or one of its ancestors. */
function contains(dir, inner) {
  const rel = path.relative(dir, inner);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

let pythonPrefix;
/** Where the Python the venv is made from lives (kernels/.venv/bin/python links into it). */
function systemPythonPrefix(env) {
  // Asked of the system python3, never read from kernels/.venv/pyvenv.cfg: kernels can write that.
  if (pythonPrefix === undefined) {
    const result = spawnSync("python3", ["-c", "import sys; print(sys.base_prefix)"], { cwd: root, env, encoding: "utf8" });
    pythonPrefix = result.status === 0 ? result.stdout.trim() : null;
  }
  return pythonPrefix;
}

/** The directories that hold the studio's state: hidden from kernels. */
function secretDirs(databaseUrl) {
  const dirs = [dataDir];
  if (databaseUrl?.startsWith("file:")) {
    const dir = path.dirname(path.resolve(root, databaseUrl.slice("file:".length).split("?")[0]));
    if (!contains(dataDir, dir)) {
      if (contains(dir, root)) {
        throw new Error(`The SQLite database is in ${dir}, which holds the studio itself, so kernels cannot be kept from reading it. Keep it in a directory of its own (or under data/).`);
      }
      dirs.push(dir);
    }
  }
  return dirs;
}

/** Kernels' working directory: writable by kernels, so never the source tree or the studio's state. */
function checkWorkspace(workspace, databaseUrl) {
  const inside = contains(root, workspace) && !(contains(dataDir, workspace) && workspace !== dataDir);
  const hides = secretDirs(databaseUrl).find((dir) => contains(workspace, dir));
  if (contains(workspace, root) || inside || hides) {
    throw new Error(
      `STUDIO_KERNEL_ROOT_DIR=${workspace} cannot be the kernels' working directory: kernels may write there, so it must not ` +
        `be or contain the studio's checkout or data (default: ${path.join(dataDir, "work")}; anywhere under data/ or outside ${root} works).`,
    );
  }
}

function sandboxArgs({ env, workspace, databaseUrl, readOnly = [], exposed = [] }) {
  const home = env.HOME ? path.resolve(env.HOME) : null;
  const hidden = ["/tmp", "/run", ...(home && home !== "/" && existsSync(home) && !contains(root, home) ? [home] : [])];
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  // /run: sockets of systemd, D-Bus, databases... a process of the studio's user could use them to
  // act outside the sandbox. Home: that user's credentials (ssh, cloud, registry tokens).
  for (const dir of hidden) args.push("--tmpfs", dir);
  args.push("--tmpfs", "/dev/shm");
  // GPUs of a local workstation stay usable.
  for (const name of existsSync("/dev") ? readdirSync("/dev") : []) {
    if (name.startsWith("nvidia") || name === "dri") args.push("--dev-bind", `/dev/${name}`, `/dev/${name}`);
  }
  // What kernels need from the hidden directories, read-only: the directory of resolv.conf (a link
  // into /run with systemd-resolved or resolvconf, whose file is replaced when DNS changes), the
  // checkout and the Python the venv is made from if they live there, pip's configuration (index
  // URLs), and whatever the caller adds.
  const configHome = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : home && path.join(home, ".config");
  const resolvConf = realpathOrNull("/etc/resolv.conf");
  const resolvDir = resolvConf && path.dirname(resolvConf);
  const needed = [
    hidden.includes(resolvDir) ? resolvConf : resolvDir,
    root,
    systemPythonPrefix(env),
    configHome && path.join(configHome, "pip"),
    home && path.join(home, ".pip"),
    env.PIP_CONFIG_FILE && path.resolve(env.PIP_CONFIG_FILE),
    ...readOnly,
  ];
  for (const p of needed) if (p && existsSync(p) && hidden.some((dir) => dir !== p && contains(dir, p))) args.push("--ro-bind", p, p);
  // The studio's state, last, so nothing above re-exposes it. (A directory that does not exist yet
  // has nothing to hide, and a read-only filesystem has no room for its mount point.)
  for (const dir of secretDirs(databaseUrl)) if (existsSync(dir)) args.push("--tmpfs", dir);
  // ...except what the caller names: read-only, on top (a model server's model folder).
  for (const p of exposed) args.push("--ro-bind", p, p);
  if (existsSync(venvDir)) args.push("--bind", venvDir, venvDir);
  if (workspace) args.push("--bind", workspace, workspace);
  args.push("--chdir", workspace ?? root);
  args.push("--unshare-pid", "--unshare-ipc", "--die-with-parent", "--cap-drop", "ALL", "--");
  return args;
}

/** Why kernels cannot be sandboxed here, or null. */
export function bubblewrapProblem(env = process.env) {
  const bwrap = which("bwrap", env);
  if (!bwrap) return { missing: true, text: "bubblewrap (`bwrap`) is not installed" };
  const probe = spawnSync(bwrap, [...sandboxArgs({ env }), "true"], { env, encoding: "utf8", timeout: 30_000 });
  if (probe.status === 0) return null;
  const reason = (probe.stderr || probe.error?.message || `exit ${probe.status ?? probe.signal}`).trim();
  return { missing: false, text: `${bwrap} cannot create the sandbox on this machine (${reason})` };
}

function sandboxHelp(problem) {
  const fix = problem.missing
    ? "Install it: Debian/Ubuntu `sudo apt-get install bubblewrap` (`npm start` does this itself when run as root), Fedora `sudo dnf install bubblewrap`, Arch `sudo pacman -S bubblewrap`."
    : "Run the studio as root, or allow unprivileged user namespaces for bwrap (`sudo sysctl kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04+ `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for bwrap).";
  return [
    `Kernels of the local compute host run in a bubblewrap sandbox, so that notebook code cannot read the studio's secrets, database or processes; but ${problem.text}.`,
    fix,
    `Only where everyone who can run a notebook may also read the studio's secrets: set ${UNSANDBOXED_VAR}=1 to run kernels without the sandbox.`,
  ].join("\n  ");
}

const isDebian = () => existsSync("/etc/debian_version");

/** Installs a Debian package when running as root on Debian/Ubuntu; false where it cannot try. */
function aptInstall(pkg, env) {
  if (process.getuid?.() !== 0 || !isDebian() || !which("apt-get", env)) return false;
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "-qq", pkg], { stdio: "inherit", env: aptEnv }).status === 0;
  if (install()) return true;
  // A fresh machine may have no package lists yet.
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env: aptEnv });
  return install();
}

/** Set-up step: bwrap installed (apt-get as root on Debian/Ubuntu) and able to sandbox here. */
export function ensureBubblewrap(env = process.env) {
  if (sandboxOptedOut(env)) return;
  let problem = bubblewrapProblem(env);
  if (problem?.missing) {
    log("installing bubblewrap (apt-get install -y bubblewrap): kernels run in its sandbox…");
    if (aptInstall("bubblewrap", env)) problem = bubblewrapProblem(env);
  }
  if (problem) throw new Error(sandboxHelp(problem));
}

/**
 * Test set-up step: the Chromium the e2e suite drives (`CHROMIUM_PATH`, default /usr/bin/chromium;
 * Playwright's own browser download is not used). Installed with apt-get as root on Debian/Ubuntu.
 */
export function ensureChromium(env = process.env) {
  const executable = env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(executable)) return;
  log(`installing Chromium for the browser tests (apt-get install -y chromium; ${executable} is missing)…`);
  if (!env.CHROMIUM_PATH && aptInstall("chromium", env) && existsSync(executable)) return;
  throw new Error(
    `The browser tests need Chromium at ${executable}. Install it (Debian/Ubuntu: \`sudo apt-get install chromium\`) or set CHROMIUM_PATH to a Chromium or Chrome executable.`,
  );
}

let warnedUnsandboxed = false;

/**
 * `command args` confined to the kernel sandbox: the command line and environment to spawn. The one
 * place that decides how kernels are confined: `npm start` (the local gateway), the set-up steps
 * that run kernels/.venv, and the tests all launch through it.
 *   workspace    kernels' working directory, writable (created if missing)
 *   databaseUrl  the studio's DATABASE_URL: a SQLite file outside data/ is hidden too
 *   readOnly     more paths to show read-only inside the hidden /tmp or home
 *   exposed      paths inside the hidden studio state (data/) to show read-only
 * Throws, naming the fix, if bwrap is missing or cannot work here; with STUDIO_UNSANDBOXED_KERNELS=1
 * returns the command unconfined (after a loud warning).
 */
export function sandboxed(command, args, { env = process.env, workspace, databaseUrl, readOnly = [], exposed = [] } = {}) {
  const safeEnv = kernelSafeEnv(env);
  if (workspace) {
    workspace = path.resolve(workspace);
    checkWorkspace(workspace, databaseUrl);
    mkdirSync(workspace, { recursive: true });
  }
  if (sandboxOptedOut(env)) {
    if (!warnedUnsandboxed) {
      warnedUnsandboxed = true;
      const bar = "!".repeat(100);
      console.warn(
        `${bar}\n!! WARNING: ${UNSANDBOXED_VAR}=1: kernels on the local compute host run WITHOUT a sandbox, as this OS user.\n` +
          `!! Code in any notebook can read data/secrets.json, the database and other processes' environments, and change the studio.\n${bar}`,
      );
    }
    return { command, args, env: safeEnv, sandboxed: false };
  }
  const problem = bubblewrapProblem(env);
  if (problem) throw new Error(sandboxHelp(problem));
  return {
    // bwrap itself dies on SIGTERM and --die-with-parent then SIGKILLs everything inside. Started
    // with SIGTERM ignored it stays, while a SIGTERM to the process group still reaches the command
    // (the gateway installs its own handler: it shuts its kernels down, then exits, and bwrap with it).
    command: "/bin/sh",
    args: ["-c", 'trap "" TERM; exec "$0" "$@"', which("bwrap", env), ...sandboxArgs({ env, workspace, databaseUrl, readOnly, exposed }), command, ...args],
    env: { ...safeEnv, PATH: `${path.join(venvDir, "bin")}:${env.PATH ?? "/usr/bin:/bin"}`, TMPDIR: "/tmp" },
    sandboxed: true,
  };
}
