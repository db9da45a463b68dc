import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { lstat, mkdir, open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { z } from "zod";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/server/errors";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { configOf } from "@/server/transform/manage-transform-jobs";
import { actingUser } from "@/server/users/acting-user";
// @ts-expect-error -- plain JavaScript shared with `npm start` (scripts/ run before node_modules exist); typed below.
import { batchTransformLaunch as untypedLaunch } from "../../scripts/lib/processes.mjs";

// The worker's side of batch transforms. Each InProgress job runs as one sandboxed
// `python -m studio.batch_transform` (the model folder and input file read-only, a working
// directory of its own under data/transform/<job>) that reports progress as JSON lines on stdout;
// progress reaches the database at most once a second. The process checkpoints its output in
// parts, and its working directory outlives the worker: a job whose process is gone (the worker
// restarted, or the process was killed) is started again and resumes from the last checkpoint.
// When it is done, the parts become the next version of the output dataset through the same code
// path as an upload (so the worker profiles it like any upload), and the working directory goes.

const launch = untypedLaunch as (options: { modelDir: string; input: string; workspace: string; config: Record<string, unknown>; env: NodeJS.ProcessEnv }) => {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
};

/** Transforms run at once (each is one Python process busy on one core). */
export const MAX_CONCURRENT_TRANSFORMS = 2;
/** Progress is written to the database at most this often per job. */
export const PROGRESS_FLUSH_MS = 1_000;
/** A process killed from outside (out of memory, an operator) is resumed this many times in all. */
export const MAX_ATTEMPTS = 4;
const TAIL_LINES = 20;
const STOP_GRACE_MS = 5_000;

interface Progress {
  records: number;
  bytes: number;
}

interface TransformProcess {
  jobId: string;
  child: ChildProcess;
  workspace: string;
  exited: Promise<void>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Ended on purpose (stop, worker shutdown): its exit is not a failure. */
  stopping: boolean;
  progress: Progress | null;
  flushed: Progress | null;
  flushedAt: number;
  done: boolean;
  error: string | null;
  tail: string[];
}

const shared = globalThis as unknown as { studioTransforms?: Map<string, TransformProcess>; studioTransformsSwept?: boolean };
const processes = (shared.studioTransforms ??= new Map());

export function transformWorkspace(jobId: string): string {
  return path.join(process.cwd(), "data", "transform", jobId);
}

const event = z.discriminatedUnion("event", [
  z.object({ event: z.literal("started"), records: z.number(), bytes: z.number(), resumed: z.boolean() }).loose(),
  z.object({ event: z.literal("progress"), records: z.number().int().min(0), bytes: z.number().int().min(0) }),
  z.object({ event: z.literal("done"), records: z.number().int().min(0), bytes: z.number().int().min(0) }).loose(),
  z.object({ event: z.literal("error"), message: z.string() }),
]);

function remember(proc: TransformProcess, line: string): void {
  proc.tail.push(line.slice(0, 2_000));
  if (proc.tail.length > TAIL_LINES) proc.tail.shift();
}

function kill(proc: TransformProcess): Promise<void> {
  if (proc.exit) return Promise.resolve();
  proc.stopping = true;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-proc.child.pid!, name);
    } catch {
      proc.child.kill(name);
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), STOP_GRACE_MS);
  timer.unref();
  return proc.exited.finally(() => clearTimeout(timer));
}

/** Ends every transform process of this worker, leaving the jobs InProgress: the next worker resumes them. */
export async function stopAllTransformProcesses(): Promise<void> {
  await Promise.all([...processes.values()].map(kill));
  processes.clear();
}

async function fail(db: Db, jobId: string, reason: string): Promise<void> {
  await db.transformJob.updateMany({ where: { id: jobId, status: "InProgress" }, data: { status: "Failed", failureReason: reason.slice(0, 4_000), endedAt: new Date() } });
  await rm(transformWorkspace(jobId), { recursive: true, force: true });
}

type JobRow = NonNullable<Awaited<ReturnType<typeof loadJob>>>;

function loadJob(db: Db, id: string) {
  return db.transformJob.findUnique({
    where: { id },
    include: { inputVersion: { select: { storageKey: true, filename: true } } },
  });
}

async function start(db: Db, store: ArtifactStore, job: JobRow): Promise<void> {
  const manifest = await db.modelVersionFile.findFirst({ where: { versionId: job.modelVersionId, path: "studio-model.json" }, select: { storageKey: true } });
  const manifestPath = manifest ? store.localPath(manifest.storageKey) : null;
  if (!manifestPath) throw new Error("the model version's files are not on this machine (a remote artifact store is not supported yet)");
  const input = store.localPath(job.inputVersion.storageKey);
  if (!input || (await store.size(job.inputVersion.storageKey)) === null) throw new Error("the input dataset version's file is missing from the artifact store");
  const workspace = transformWorkspace(job.id);
  await mkdir(workspace, { recursive: true, mode: 0o700 });
  const config = { ...configOf(job), csvHeader: true };
  const command = launch({ modelDir: path.dirname(manifestPath), input, workspace, config, env: process.env });
  const child = spawn(command.command, command.args, { env: command.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let resolveExit: () => void = () => undefined;
  const proc: TransformProcess = {
    jobId: job.id,
    child,
    workspace,
    exited: new Promise<void>((resolve) => (resolveExit = resolve)),
    exit: null,
    stopping: false,
    progress: null,
    flushed: null,
    flushedAt: 0,
    done: false,
    error: null,
    tail: [],
  };
  processes.set(job.id, proc);
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let parsed: z.infer<typeof event> | null = null;
    try {
      const result = event.safeParse(JSON.parse(line));
      parsed = result.success ? result.data : null;
    } catch {
      parsed = null;
    }
    if (!parsed) return remember(proc, line);
    if (parsed.event === "progress" || parsed.event === "started") proc.progress = { records: parsed.records, bytes: parsed.bytes };
    else if (parsed.event === "done") {
      proc.done = true;
      proc.progress = { records: parsed.records, bytes: parsed.bytes };
    } else proc.error = parsed.message;
  });
  createInterface({ input: child.stderr! }).on("line", (line) => remember(proc, line));
  child.on("exit", (code, signal) => {
    proc.exit = { code, signal };
    resolveExit();
  });
  child.on("error", (error) => {
    remember(proc, `could not start: ${error.message}`);
    proc.exit ??= { code: null, signal: null };
    resolveExit();
  });
  await db.transformJob.update({ where: { id: job.id }, data: { attempts: { increment: 1 }, startedAt: job.startedAt ?? new Date() } });
}

async function flushProgress(db: Db, proc: TransformProcess, force = false): Promise<void> {
  const progress = proc.progress;
  if (!progress || (proc.flushed && proc.flushed.records === progress.records && proc.flushed.bytes === progress.bytes)) return;
  if (!force && Date.now() - proc.flushedAt < PROGRESS_FLUSH_MS) return;
  proc.flushed = progress;
  proc.flushedAt = Date.now();
  await db.transformJob.updateMany({ where: { id: proc.jobId, status: "InProgress" }, data: { recordsDone: progress.records, bytesDone: BigInt(progress.bytes) } });
}

const checkpointSchema = z.object({ parts: z.number().int().min(0).max(10_000_000), records: z.number().int().min(0), done: z.literal(true) });

/** Opens a file the sandboxed process wrote: a regular file, not a link, of bounded size. */
async function openWritten(file: string, maxBytes: number) {
  const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  const stat = await handle.stat();
  if (!stat.isFile() || stat.size > maxBytes) {
    await handle.close();
    throw new Error(`${path.basename(file)} is not a regular file of at most ${maxBytes} bytes`);
  }
  return handle;
}

/** The parts, in order, as one stream. The working directory is hostile (written in the sandbox): no links are followed. */
async function outputStream(workspace: string): Promise<{ stream: Readable; records: number; size: number }> {
  for (const dir of [workspace, path.join(workspace, "parts")]) {
    const stat = await lstat(dir);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  }
  const handle = await openWritten(path.join(workspace, "checkpoint.json"), 64 * 1024);
  let checkpoint: z.infer<typeof checkpointSchema>;
  try {
    checkpoint = checkpointSchema.parse(JSON.parse(await handle.readFile("utf8")));
  } finally {
    await handle.close();
  }
  const parts = Array.from({ length: checkpoint.parts }, (_, i) => path.join(workspace, "parts", `part-${String(i).padStart(5, "0")}.out`));
  let size = 0;
  for (const part of parts) {
    const h = await openWritten(part, Number.MAX_SAFE_INTEGER);
    size += (await h.stat()).size;
    await h.close();
  }
  async function* chunks() {
    for (const part of parts) {
      const h = await openWritten(part, Number.MAX_SAFE_INTEGER);
      try {
        for await (const chunk of h.createReadStream({ autoClose: false })) yield chunk as Buffer;
      } finally {
        await h.close();
      }
    }
  }
  return { stream: Readable.from(chunks()), records: checkpoint.records, size };
}

async function creatorOf(db: Db, job: JobRow): Promise<Principal> {
  const user = await actingUser(db, job.createdById);
  if (!user) throw new AppError("forbidden", "the user who created the job no longer exists or is disabled, so its output cannot be written as them");
  return user;
}

/** The finished parts → the next version of the output dataset (profiled by the worker like an upload). */
async function finish(db: Db, store: ArtifactStore, jobId: string): Promise<void> {
  const job = await loadJob(db, jobId);
  if (!job || job.status !== "InProgress") return;
  const filename = `${job.inputVersion.filename}.out`;
  try {
    const output = await outputStream(transformWorkspace(jobId));
    // A worker that died between storing the version and marking the job leaves that version: reuse it.
    const earlier = await db.datasetVersion.findFirst({
      where: { dataset: { projectId: job.projectId, name: job.outputDatasetName }, filename, sizeBytes: BigInt(output.size), createdById: job.createdById, createdAt: { gte: job.createdAt } },
      select: { id: true },
    });
    let versionId = earlier?.id;
    if (versionId) output.stream.destroy();
    else {
      const stored = await uploadDatasetVersion(db, store, job.projectId, { name: job.outputDatasetName, filename }, output.stream, await creatorOf(db, job));
      versionId = stored.version.id;
    }
    await db.transformJob.updateMany({
      where: { id: jobId, status: { in: ["InProgress", "Stopping"] } },
      data: { status: "Completed", outputVersionId: versionId, recordsDone: output.records, recordsTotal: job.recordsTotal ?? output.records, bytesDone: job.bytesTotal, endedAt: new Date() },
    });
    await rm(transformWorkspace(jobId), { recursive: true, force: true });
  } catch (error) {
    const message = error instanceof AppError ? error.message : (error as Error).message;
    await fail(db, jobId, `Writing the output as a version of dataset ${job.outputDatasetName} failed: ${message}`);
  }
}

async function settle(db: Db, store: ArtifactStore, proc: TransformProcess): Promise<void> {
  if (proc.stopping) return;
  const exit = proc.exit!;
  if (proc.done && exit.code === 0) {
    await flushProgress(db, proc, true);
    return finish(db, store, proc.jobId);
  }
  if (proc.error) return fail(db, proc.jobId, proc.error);
  const how = exit.signal ?? `code ${exit.code}`;
  if (exit.signal) {
    // Killed from outside: resumed from its checkpoint by the next pass, a few times.
    const job = await db.transformJob.findUnique({ where: { id: proc.jobId }, select: { attempts: true } });
    if (job && job.attempts < MAX_ATTEMPTS) return;
    return fail(db, proc.jobId, `The transform process was killed (${how}) ${job?.attempts ?? MAX_ATTEMPTS} times${proc.tail.length ? `: ${proc.tail.slice(-8).join("\n")}` : ""}`);
  }
  await fail(db, proc.jobId, `The transform process exited (${how})${proc.tail.length ? `: ${proc.tail.slice(-8).join("\n")}` : ""}`);
}

/**
 * Working directories of this database's jobs that ended (a worker that died while cleaning up).
 * Directories of jobs it does not know are left alone: another studio on this checkout (the e2e
 * suite's) may own them.
 */
async function sweep(db: Db): Promise<void> {
  const root = path.join(process.cwd(), "data", "transform");
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => /^[a-z0-9]+$/i.test(n));
  if (names.length === 0) return;
  const ended = await db.transformJob.findMany({ where: { id: { in: names }, status: { in: ["Completed", "Failed", "Stopped"] } }, select: { id: true } });
  for (const { id } of ended) await rm(path.join(root, id), { recursive: true, force: true });
}

/**
 * One pass: ends stopped jobs' processes, writes progress, settles processes that exited
 * (completed → output dataset version; failed → the reason), and starts (or resumes) InProgress
 * jobs that have no process here, up to MAX_CONCURRENT_TRANSFORMS.
 */
export async function tickTransformJobs(db: Db, store: ArtifactStore): Promise<void> {
  if (!shared.studioTransformsSwept) {
    shared.studioTransformsSwept = true;
    await sweep(db);
  }
  for (const job of await db.transformJob.findMany({ where: { status: "Stopping" }, select: { id: true } })) {
    const proc = processes.get(job.id);
    if (proc) {
      await kill(proc);
      processes.delete(job.id);
    }
    await rm(transformWorkspace(job.id), { recursive: true, force: true });
    await db.transformJob.updateMany({ where: { id: job.id, status: "Stopping" }, data: { status: "Stopped", endedAt: new Date() } });
  }
  for (const proc of [...processes.values()]) {
    if (!proc.exit) {
      await flushProgress(db, proc);
      continue;
    }
    processes.delete(proc.jobId);
    await settle(db, store, proc);
  }
  const waiting = await db.transformJob.findMany({ where: { status: "InProgress" }, orderBy: { createdAt: "asc" }, select: { id: true } });
  for (const { id } of waiting) {
    if (processes.has(id)) continue;
    if (processes.size >= MAX_CONCURRENT_TRANSFORMS) break;
    const job = await loadJob(db, id);
    if (!job || job.status !== "InProgress") continue;
    try {
      await start(db, store, job);
    } catch (error) {
      processes.delete(id);
      await fail(db, id, `The transform could not start: ${(error as Error).message}`);
    }
  }
}
