import "server-only";
import { randomUUID } from "node:crypto";
import type { KernelMessage } from "@jupyterlab/services";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { newCellId, type Cell, type Notebook, type Output } from "@/lib/nbformat";
import { applyEditOps, updateCell, type EditOp } from "@/lib/notebook-ops";
import { applyIopub, emptyOutputState, updateDisplay, type OutputState } from "@/lib/notebook-outputs";
import type { CellRun, InputRequest, KernelState, KernelStatus, ServerMessage } from "@/lib/notebook-live-protocol";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { kernelEnv, studioUrlForHost } from "@/server/hosts/studio-url";
import { createScopedToken } from "@/server/tokens/scoped-tokens";

// A kernel token outlives any sensible idle period (the host culls idle kernels after an hour) but
// not a forgotten kernel by much.
const KERNEL_TOKEN_TTL_MS = 7 * 86_400_000;
import type { KernelSpecSummary } from "@/server/hosts/host-status";
import { writeNotebookVersion } from "@/server/notebooks/save-notebook";
import { KERNEL_DIED, KernelSession } from "@/server/notebooks/live/kernel-session";
import { liveNotebooks, type ExternalChange, type LiveNotebookHandle } from "@/server/notebooks/live/live-registry";

// One open notebook in the web process: the authoritative document, its kernel and every tab
// looking at it. Tabs send edits and run requests; outputs from the kernel are applied here, sent
// to every tab and saved, so a cell that prints while no tab is open still ends up in the notebook.

/** Edits and outputs are saved at most this often (a crash loses at most this much). */
export const PERSIST_EVERY_MS = 1_000;
/** A session with no tab, no running cell and no pending input is closed after this long. */
export const IDLE_EVICT_MS = 30_000;

export interface LiveClient {
  id: string;
  userId: string;
  canWrite: boolean;
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

interface Run extends CellRun {
  msgId: string | null;
  code: string;
}

const DEFAULT_KERNEL = "python3";

const iso = (date = new Date()) => date.toISOString();

export class LiveNotebook implements LiveNotebookHandle {
  private doc: Notebook;
  /** The content stored at `version`: what the next save replaces (kept as its checkpoint). */
  private persistedDoc: Notebook;
  private version: number;
  private name: string;
  private hostId: string | null;
  private kernelName: string | null;
  private kernelId: string | null;
  private readonly clients = new Map<string, LiveClient>();
  private kernel: KernelSession | null = null;
  private kernelState: KernelState;
  private readonly outputStates = new Map<string, OutputState>();
  private readonly displayCells = new Map<string, Set<string>>();
  private readonly msgToCell = new Map<string, string>();
  private readonly runs = new Map<string, Run>();
  private input: { request: InputRequest; parent: KernelMessage.IHeader<"input_request">; kernel: KernelSession } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private persisting = false;
  private persistTimer: NodeJS.Timeout | null = null;
  private evictTimer: NodeJS.Timeout | null = null;
  private lastActorId: string | null = null;
  /** When the newest checkpoint was taken; unknown (undefined) until the first save finds out. */
  private lastCheckpointAt: Date | null | undefined = undefined;
  private closed = false;
  private stickyMessage: string | null = null;

  private constructor(
    private readonly db: Db,
    readonly id: string,
    row: { name: string; version: number; content: unknown; hostId: string | null; kernelName: string | null; kernelId: string | null },
  ) {
    this.doc = row.content as Notebook;
    this.persistedDoc = this.doc;
    this.version = row.version;
    this.name = row.name;
    this.hostId = row.hostId;
    this.kernelName = row.kernelName;
    this.kernelId = row.kernelId;
    this.kernelState = { status: "none", hostId: row.hostId, hostName: null, kernelName: row.kernelName ?? DEFAULT_KERNEL, kernelDisplayName: null, message: null };
  }

  /** The live session of a notebook in this process, opened (and its kernel reattached) if needed. */
  static async open(db: Db, notebookId: string): Promise<LiveNotebook> {
    const registry = liveNotebooks();
    const existing = registry.get(notebookId);
    if (existing instanceof LiveNotebook && !existing.closed) return existing;
    const pending = opening.get(notebookId);
    if (pending) return pending;
    const created = (async () => {
      const row = await db.notebook.findUnique({ where: { id: notebookId } });
      if (!row || row.trashedAt) throw new AppError("not_found", "No notebook with that id.");
      const live = new LiveNotebook(db, notebookId, row);
      await live.describeKernel();
      registry.set(notebookId, live);
      if (row.kernelId) live.enqueue(() => live.reattach());
      return live;
    })();
    opening.set(notebookId, created);
    try {
      return await created;
    } finally {
      opening.delete(notebookId);
    }
  }

  // ——— tabs ———

  join(client: LiveClient): void {
    // The snapshot holds all text so far: appends still queued go to the other tabs first.
    this.flushAppends();
    if (this.evictTimer) clearTimeout(this.evictTimer);
    this.evictTimer = null;
    this.clients.set(client.id, client);
    client.send(this.snapshot(client));
  }

  leave(clientId: string): void {
    this.clients.delete(clientId);
    this.maybeScheduleEvict();
  }

  private snapshot(client: LiveClient): ServerMessage {
    return {
      type: "snapshot",
      clientId: client.id,
      name: this.name,
      version: this.version,
      content: this.doc,
      canWrite: client.canWrite,
      kernel: this.kernelState,
      runs: this.publicRuns(),
      input: this.input?.request ?? null,
    };
  }

  private broadcast(message: ServerMessage, except?: string): void {
    if (message.type !== "stream_append" && this.pendingAppends.size > 0) this.flushAppends();
    for (const client of this.clients.values()) if (client.id !== except) client.send(message);
  }

  private publicRuns(): Record<string, CellRun> {
    return Object.fromEntries([...this.runs].map(([cellId, r]) => [cellId, { state: r.state, queuedAt: r.queuedAt, startedAt: r.startedAt }]));
  }

  private broadcastRuns(): void {
    this.broadcast({ type: "runs", runs: this.publicRuns() });
  }

  // ——— edits ———

  applyOps(client: LiveClient, ops: EditOp[]): void {
    this.doc = applyEditOps(this.doc, ops);
    for (const op of ops) {
      if (op.op === "clear_outputs" || op.op === "delete_cells") for (const id of op.cellIds) this.outputStates.delete(id);
      if (op.op === "set_cell_type") this.outputStates.delete(op.cellId);
    }
    this.broadcast({ type: "ops", clientId: client.id, ops }, client.id);
    this.markDirty(client.userId);
  }

  // ——— running cells ———

  /** Queues code cells to run in order, with their sources as they are now. */
  execute(client: LiveClient, cellIds: string[]): void {
    const queued: { cellId: string; code: string }[] = [];
    for (const cellId of cellIds) {
      const cell = this.cell(cellId);
      if (!cell || cell.cell_type !== "code") continue;
      // Like Jupyter: outputs and count go at once; an empty cell is cleared and not sent.
      this.outputStates.set(cellId, emptyOutputState());
      this.patchCell(cellId, (c) => ({ ...c, outputs: [], execution_count: null }) as Cell);
      this.broadcast({ type: "outputs", cellId, from: 0, outputs: [] });
      if (!cell.source.trim()) continue;
      if (this.runs.has(cellId)) continue;
      this.runs.set(cellId, { state: "queued", queuedAt: iso(), startedAt: null, msgId: null, code: cell.source });
      queued.push({ cellId, code: cell.source });
    }
    this.lastActorId = client.userId;
    this.markDirty(client.userId);
    this.broadcastRuns();
    if (this.stickyMessage) {
      this.stickyMessage = null;
      this.setKernelState(this.kernelState.status, null);
    }
    if (queued.length === 0) return;
    this.enqueue(async () => {
      if (!(await this.ensureKernel())) {
        for (const { cellId } of queued) this.runs.delete(cellId);
        this.broadcastRuns();
        return;
      }
      const session = this.kernel!;
      for (const { cellId, code } of queued) {
        const run = this.runs.get(cellId);
        if (run?.msgId === null && run.code === code) this.send(session, cellId, run);
      }
    });
  }

  private send(session: KernelSession, cellId: string, run: Run): void {
    const future = session.kernel.requestExecute({ code: run.code, silent: false, store_history: true, allow_stdin: true, stop_on_error: true }, true);
    const msgId = future.msg.header.msg_id;
    run.msgId = msgId;
    this.rememberMessage(msgId, cellId);
    future.onStdin = (message) => {
      if (message.header.msg_type !== "input_request") return;
      const content = message.content as KernelMessage.IInputRequestMsg["content"];
      this.input = { request: { cellId, prompt: content.prompt, password: content.password }, parent: message.header as KernelMessage.IHeader<"input_request">, kernel: session };
      this.broadcast({ type: "input", input: this.input.request });
    };
    future.onReply = (reply) => {
      const content = reply.content as KernelMessage.IExecuteReplyMsg["content"];
      const count = "execution_count" in content && typeof content.execution_count === "number" ? content.execution_count : null;
      this.recordExecution(cellId, msgId, "shell.execute_reply", count ?? undefined);
      const payload = "payload" in content && Array.isArray(content.payload) ? content.payload : [];
      for (const item of payload) this.applyPayload(cellId, item as Record<string, unknown>);
    };
    future.done.then(
      () => this.finish(cellId, msgId),
      () => this.finish(cellId, msgId),
    );
  }

  /**
   * Payloads of an execute reply, as JupyterLab handles them: `page` (help from `obj?` / `obj??`)
   * is shown in the cell's output; `set_next_input` (`%load`, `%recall`) puts text in the next
   * cell, or replaces this cell's source.
   */
  private applyPayload(cellId: string, payload: Record<string, unknown>): void {
    if (payload.source === "page" && payload.data && typeof payload.data === "object") {
      const state = this.outputStateOf(cellId);
      if (state) this.setOutputs(cellId, state, applyIopub(state, { msg_type: "display_data", content: { data: payload.data, metadata: {} } }));
    } else if (payload.source === "set_next_input" && typeof payload.text === "string") {
      const ops: EditOp[] = payload.replace
        ? [{ op: "set_source", cellId, source: payload.text }]
        : [{ op: "insert_cells", afterId: cellId, cells: [{ id: newCellId(), cell_type: "code", source: payload.text, metadata: {}, execution_count: null, outputs: [] } as Cell] }];
      this.doc = applyEditOps(this.doc, ops);
      this.broadcast({ type: "ops", clientId: "kernel", ops });
      this.markDirty(null);
    }
  }

  private finish(cellId: string, msgId: string): void {
    if (this.runs.get(cellId)?.msgId === msgId) this.runs.delete(cellId);
    if (this.input?.request.cellId === cellId) {
      this.input = null;
      this.broadcast({ type: "input", input: null });
    }
    this.broadcastRuns();
    this.markDirty(null);
    this.maybeScheduleEvict();
  }

  private rememberMessage(msgId: string, cellId: string): void {
    this.msgToCell.set(msgId, cellId);
    // Late output (a thread printing after its cell finished) still finds its cell; only the
    // newest few thousand requests are remembered.
    if (this.msgToCell.size > 5_000) this.msgToCell.delete(this.msgToCell.keys().next().value!);
  }

  private recordExecution(cellId: string, msgId: string, key: string, executionCount?: number): void {
    if (this.msgToCell.get(msgId) !== cellId) return;
    const cell = this.cell(cellId);
    if (cell?.cell_type !== "code") return;
    const execution = { ...((cell.metadata.execution as Record<string, string> | undefined) ?? {}), [key]: iso() };
    if (key === "iopub.status.busy") {
      delete execution["iopub.execute_input"];
      delete execution["shell.execute_reply"];
      delete execution["iopub.status.idle"];
    }
    const count = executionCount ?? cell.execution_count;
    this.patchCell(cellId, (c) => ({ ...c, execution_count: count, metadata: { ...c.metadata, execution } }) as Cell);
    this.broadcast({ type: "cell_execution", cellId, executionCount: count, execution });
  }


  private onIopub(session: KernelSession, message: KernelMessage.IIOPubMessage): void {
    if (session !== this.kernel) return;
    const parentId = (message.parent_header as Partial<KernelMessage.IHeader>)?.msg_id ?? "";
    const cellId = this.msgToCell.get(parentId);
    const type = message.header.msg_type;
    const content = message.content as Record<string, unknown>;
    if (type === "status") {
      if (!cellId) return;
      const state = content.execution_state;
      const run = this.runs.get(cellId);
      if (state === "busy") {
        if (run && run.msgId === parentId) {
          run.state = "running";
          run.startedAt = iso();
          this.broadcastRuns();
        }
        this.recordExecution(cellId, parentId, "iopub.status.busy");
      } else if (state === "idle") {
        this.recordExecution(cellId, parentId, "iopub.status.idle");
      }
      return;
    }
    if (type === "execute_input") {
      if (cellId) this.recordExecution(cellId, parentId, "iopub.execute_input", typeof content.execution_count === "number" ? content.execution_count : undefined);
      // The new kernel runs the user's code: "the kernel died" is old news, even when the host's
      // restart notice reached us after the run was queued (which set the banner up again).
      if (cellId && this.stickyMessage) {
        this.stickyMessage = null;
        this.setKernelState(this.kernelState.status, null);
      }
      return;
    }
    if (type === "update_display_data") {
      const displayId = (content.transient as { display_id?: unknown } | undefined)?.display_id;
      if (typeof displayId !== "string") return;
      for (const target of this.displayCells.get(displayId) ?? []) {
        const previous = this.outputStateOf(target);
        if (!previous) continue;
        this.setOutputs(target, previous, updateDisplay(previous, displayId, (content.data ?? {}) as Record<string, unknown>, (content.metadata ?? {}) as Record<string, unknown>));
      }
      return;
    }
    if (!cellId) return;
    const previous = this.outputStateOf(cellId);
    if (!previous) return;
    const next = applyIopub(previous, { msg_type: type, content });
    if (next === previous) return;
    const chunk = type === "stream" && !previous.clearPending ? String(content.text ?? "") : undefined;
    const displayId = (content.transient as { display_id?: unknown } | undefined)?.display_id;
    if (typeof displayId === "string") {
      const cells = this.displayCells.get(displayId) ?? new Set<string>();
      cells.add(cellId);
      this.displayCells.set(displayId, cells);
    }
    this.setOutputs(cellId, previous, next, chunk);
  }

  private outputStateOf(cellId: string): OutputState | null {
    const existing = this.outputStates.get(cellId);
    if (existing) return existing;
    const cell = this.cell(cellId);
    if (!cell || cell.cell_type !== "code") return null;
    const state = { ...emptyOutputState(), outputs: cell.outputs as Output[] };
    this.outputStates.set(cellId, state);
    return state;
  }

  /**
   * Stores a cell's new outputs and sends tabs only what changed: usually `chunk`, the text a
   * stream message appended (recognised by length alone: reading a long appended-to string would
   * make the engine copy it on every line printed).
   */
  private setOutputs(cellId: string, previous: OutputState, next: OutputState, chunk?: string): void {
    this.outputStates.set(cellId, next);
    this.patchCell(cellId, (c) => ({ ...c, outputs: next.outputs }) as Cell);
    const a = previous.outputs;
    const b = next.outputs;
    let from = 0;
    while (from < a.length && from < b.length && a[from] === b[from]) from++;
    if (from === a.length && from === b.length) return;
    const before = a[from];
    const after = b[from];
    if (
      chunk !== undefined &&
      a.length === b.length &&
      from === b.length - 1 &&
      before?.output_type === "stream" &&
      after?.output_type === "stream" &&
      before.text.length + chunk.length === after.text.length
    ) {
      this.queueAppend(cellId, from, chunk);
    } else {
      this.broadcast({ type: "outputs", cellId, from, outputs: b.slice(from) });
    }
    this.markDirty(null);
  }

  // A loop printing with flush=True sends a message per line; tabs get them merged per frame.
  private readonly pendingAppends = new Map<string, { cellId: string; index: number; chunks: string[] }>();
  private appendTimer: NodeJS.Timeout | null = null;

  private queueAppend(cellId: string, index: number, text: string): void {
    const key = `${cellId}:${index}`;
    const pending = this.pendingAppends.get(key);
    if (pending) pending.chunks.push(text);
    else this.pendingAppends.set(key, { cellId, index, chunks: [text] });
    this.appendTimer ??= setTimeout(() => this.flushAppends(), 16);
  }

  /** Sends merged appends; runs before any other message so tabs see everything in order. */
  private flushAppends(): void {
    if (this.appendTimer) clearTimeout(this.appendTimer);
    this.appendTimer = null;
    if (this.pendingAppends.size === 0) return;
    const pending = [...this.pendingAppends.values()];
    this.pendingAppends.clear();
    for (const { cellId, index, chunks } of pending) this.broadcast({ type: "stream_append", cellId, index, text: chunks.join("") });
  }

  replyInput(client: LiveClient, value: string): void {
    const pending = this.input;
    if (!pending) throw new AppError("conflict", "The kernel is not waiting for input.");
    this.input = null;
    this.broadcast({ type: "input", input: null });
    // What the person typed stays in the output, like a terminal (passwords masked), as Jupyter does.
    const state = this.outputStateOf(pending.request.cellId);
    if (state) {
      const echo = `${pending.request.prompt}${pending.request.password ? "········" : value}\n`;
      this.setOutputs(pending.request.cellId, state, applyIopub(state, { msg_type: "stream", content: { name: "stdout", text: echo } }));
    }
    this.lastActorId = client.userId;
    pending.kernel.kernel.sendInputReply({ status: "ok", value }, pending.parent);
  }

  async complete(code: string, cursorPos: number): Promise<Record<string, unknown>> {
    const kernel = this.runningKernel("Start the kernel to get completions.");
    const reply = await kernel.kernel.requestComplete({ code, cursor_pos: cursorPos });
    return reply.content as unknown as Record<string, unknown>;
  }

  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<Record<string, unknown>> {
    const kernel = this.runningKernel("Start the kernel to look up help.");
    const reply = await kernel.kernel.requestInspect({ code, cursor_pos: cursorPos, detail_level: detailLevel });
    return reply.content as unknown as Record<string, unknown>;
  }

  private runningKernel(reason: string): KernelSession {
    if (!this.kernel?.alive) throw new AppError("conflict", reason);
    return this.kernel;
  }

  // ——— kernel lifecycle ———

  kernelAction(client: LiveClient, action: "start" | "interrupt" | "restart" | "shutdown"): void {
    this.lastActorId = client.userId;
    this.stickyMessage = null;
    if (action === "interrupt") {
      // Not queued: it must reach the kernel while a cell runs.
      if (this.kernel?.alive) void this.kernel.interrupt().catch((error: unknown) => this.setKernelState("idle", `Interrupt failed: ${(error as Error).message}`));
      return;
    }
    this.enqueue(async () => {
      if (action === "start") {
        await this.ensureKernel();
      } else if (action === "restart") {
        if (!this.kernel?.alive) {
          await this.ensureKernel();
          return;
        }
        this.abandonRuns();
        try {
          await this.kernel.restart();
        } catch (error) {
          this.setKernelState("dead", `Restart failed: ${(error as Error).message}. Start a new kernel.`);
        }
      } else {
        this.abandonRuns();
        const kernel = this.kernel;
        this.kernel = null;
        await kernel?.shutdown().catch(() => undefined);
        await this.saveKernelId(null);
        this.setKernelState("none", null);
      }
    });
  }

  /** Forgets queued and running cells (their kernel is restarting or gone). */
  private abandonRuns(): void {
    this.runs.clear();
    this.msgToCell.clear();
    if (this.input) {
      this.input = null;
      this.broadcast({ type: "input", input: null });
    }
    this.broadcastRuns();
  }

  private enqueue(task: () => Promise<unknown>): void {
    this.chain = this.chain.then(task).catch((error: unknown) => console.error(`[live ${this.id}] task failed:`, error));
  }

  private async hostRow() {
    if (this.hostId) return this.db.computeHost.findUnique({ where: { id: this.hostId } });
    return this.db.computeHost.findFirst({ where: { kind: "local" } });
  }

  /** Host and kernel spec names for the status bar (from what the last probe saw). */
  private async describeKernel(): Promise<void> {
    const host = await this.hostRow();
    const kernelName = this.kernelName ?? host?.defaultKernel ?? DEFAULT_KERNEL;
    const spec = ((host?.kernelSpecs as KernelSpecSummary[] | null) ?? []).find((k) => k.name === kernelName);
    this.kernelState = { ...this.kernelState, hostId: host?.id ?? this.hostId, hostName: host?.name ?? null, kernelName, kernelDisplayName: spec?.displayName ?? null };
  }

  private setKernelState(status: KernelStatus, message: string | null): void {
    // "The kernel died" stays up after the host brought a new kernel up, until the next action.
    if (message === KERNEL_DIED) this.stickyMessage = message;
    if (status === "none" || status === "dead" || status === "culled" || status === "unreachable") this.stickyMessage = null;
    this.kernelState = { ...this.kernelState, status, message: message ?? this.stickyMessage };
    this.broadcast({ type: "kernel", kernel: this.kernelState });
    if (status === "dead" || status === "culled") {
      this.abandonRuns();
      this.maybeScheduleEvict();
    }
  }

  private newSession(host: { url: string; tokenCiphertext: string | null }): KernelSession {
    const session: KernelSession = new KernelSession(gatewayTargetOf(host), this.kernelState.kernelName, {
      status: (status, message) => {
        if (session === this.kernel) this.setKernelState(status, message);
      },
      iopub: (message) => this.onIopub(session, message),
    });
    return session;
  }

  /** After a restart of the studio: picks up the kernel this notebook had, if it still runs. */
  private async reattach(): Promise<void> {
    const host = await this.hostRow();
    if (!host || !host.enabled || !this.kernelId) return;
    const session = this.newSession(host);
    this.kernel = session;
    if (await session.connect(this.kernelId)) {
      this.setKernelState("idle", null);
    } else {
      this.kernel = null;
      await this.saveKernelId(null);
    }
  }

  /** A running kernel for this notebook, started on its host if there is none; false (with a banner) if that fails. */
  private async ensureKernel(): Promise<boolean> {
    if (this.kernel?.alive) return true;
    this.kernel?.detach();
    this.kernel = null;
    await this.describeKernel();
    const host = await this.hostRow();
    if (!host) {
      this.setKernelState("unreachable", "This notebook's compute host was removed. Pick another host in the kernel menu.");
      return false;
    }
    if (!host.enabled) {
      this.setKernelState("unreachable", `Compute host ${host.name} is disabled by an admin. Pick another host in the kernel menu.`);
      return false;
    }
    const session = this.newSession(host);
    this.kernel = session;
    try {
      await session.start(await this.sdkEnv(host));
    } catch {
      if (this.kernel === session) this.kernel = null;
      return false;
    }
    await this.saveKernelId(session.id);
    return true;
  }

  /**
   * The studio SDK's settings for this notebook's kernel: `import studio` logs into this project
   * with a token scoped to it, acting for whoever started the kernel. None if the host cannot
   * reach the studio (a remote host without STUDIO_PUBLIC_URL).
   */
  private async sdkEnv(host: { kind: string }): Promise<Record<string, string>> {
    const url = studioUrlForHost(host);
    const row = await this.db.notebook.findUnique({ where: { id: this.id }, select: { projectId: true, name: true, createdById: true } });
    const userId = this.lastActorId ?? row?.createdById ?? null;
    if (!url || !row || !userId) return {};
    const token = await createScopedToken(this.db, { kind: "kernel", userId, projectId: row.projectId, name: `Kernel of notebook ${row.name}`, ttlMs: KERNEL_TOKEN_TTL_MS });
    return kernelEnv({ STUDIO_URL: url, STUDIO_TOKEN: token, STUDIO_PROJECT_ID: row.projectId, STUDIO_NOTEBOOK_ID: this.id, STUDIO_NOTEBOOK_NAME: row.name });
  }

  private async saveKernelId(kernelId: string | null): Promise<void> {
    this.kernelId = kernelId;
    await this.db.notebook.updateMany({ where: { id: this.id }, data: { kernelId } });
  }

  // ——— saving ———

  private markDirty(actorId: string | null): void {
    if (actorId) this.lastActorId = actorId;
    this.dirty = true;
    this.persistTimer ??= setTimeout(() => void this.persist(), PERSIST_EVERY_MS);
  }

  /** Saves the document now if it changed (also called on shutdown). */
  async persist(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    if (!this.dirty || this.persisting || this.closed) return;
    this.dirty = false;
    this.persisting = true;
    const content = this.doc;
    try {
      const saved = await writeNotebookVersion(
        this.db,
        this.id,
        this.version,
        content,
        { content: this.persistedDoc, version: this.version },
        this.lastActorId,
        new Date(),
        this.lastCheckpointAt,
      );
      this.version = saved.version;
      this.lastCheckpointAt = saved.lastCheckpointAt;
      this.persistedDoc = content;
      this.broadcast({ type: "saved", version: saved.version, savedAt: saved.updatedAt });
    } catch (error) {
      if (error instanceof AppError && error.code === "conflict") {
        // Saved through the API meanwhile (a restore, an API client): that version wins.
        await this.reload();
      } else {
        this.dirty = true;
        console.error(`[live ${this.id}] saving failed, retrying:`, error);
        this.persistTimer = setTimeout(() => void this.persist(), 5_000);
      }
    } finally {
      this.persisting = false;
    }
    if (this.dirty) this.markDirty(null);
  }

  // ——— changes made outside the session ———

  externalChange(change: ExternalChange): void {
    this.enqueue(async () => {
      if (change === "trashed" || change === "deleted") {
        await this.close(change === "trashed" ? "The notebook was moved to the trash." : "The notebook was deleted.", true);
        return;
      }
      if (change === "settings") {
        const row = await this.db.notebook.findUnique({ where: { id: this.id }, select: { name: true, hostId: true, kernelName: true } });
        if (!row) return;
        this.name = row.name;
        const kernelChanged = row.hostId !== this.hostId || row.kernelName !== this.kernelName;
        this.hostId = row.hostId;
        this.kernelName = row.kernelName;
        if (kernelChanged) {
          // Another host or kernel spec was picked: the old kernel is of no use to this notebook.
          this.abandonRuns();
          const old = this.kernel;
          this.kernel = null;
          await old?.shutdown().catch(() => undefined);
          await this.saveKernelId(null);
          this.kernelState = { ...this.kernelState, status: "none", message: null };
          await this.describeKernel();
        }
        this.resync();
        return;
      }
      await this.persist();
      await this.reload();
    });
  }

  /** Takes the stored version as the document (outputs of cells still running are kept). */
  private async reload(): Promise<void> {
    const row = await this.db.notebook.findUnique({ where: { id: this.id }, select: { content: true, version: true, name: true } });
    if (!row || row.version === this.version) return;
    this.version = row.version;
    this.name = row.name;
    this.persistedDoc = row.content as Notebook;
    this.doc = this.persistedDoc;
    for (const cellId of [...this.outputStates.keys()]) if (!this.runs.has(cellId)) this.outputStates.delete(cellId);
    this.resync();
  }

  private resync(): void {
    this.flushAppends();
    for (const client of this.clients.values()) client.send(this.snapshot(client));
  }

  private maybeScheduleEvict(): void {
    if (this.clients.size > 0 || this.runs.size > 0 || this.input || this.evictTimer || this.closed) return;
    this.evictTimer = setTimeout(() => {
      this.evictTimer = null;
      if (this.clients.size === 0 && this.runs.size === 0 && !this.input) void this.close(null, false);
    }, IDLE_EVICT_MS);
    this.evictTimer.unref();
  }

  /**
   * Saves and lets go. The kernel keeps running on its host (reattached on the next open) unless
   * `shutdownKernel`; tabs still open are told why (`reason`).
   */
  async close(reason: string | null, shutdownKernel: boolean, closeCode = 4410): Promise<void> {
    await this.persist();
    this.closed = true;
    if (liveNotebooks().get(this.id) === this) liveNotebooks().delete(this.id);
    if (this.evictTimer) clearTimeout(this.evictTimer);
    if (this.persistTimer) clearTimeout(this.persistTimer);
    const kernel = this.kernel;
    this.kernel = null;
    if (shutdownKernel) {
      await kernel?.shutdown().catch(() => undefined);
      await this.saveKernelId(null).catch(() => undefined);
    } else {
      kernel?.detach();
    }
    for (const client of this.clients.values()) client.close(closeCode, reason ?? "closed");
    this.clients.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ——— helpers ———

  private cell(cellId: string): Cell | undefined {
    return this.doc.cells.find((c) => c.id === cellId);
  }

  private patchCell(cellId: string, f: (cell: Cell) => Cell): void {
    this.doc = updateCell(this.doc, cellId, f);
  }
}

const opening = new Map<string, Promise<LiveNotebook>>();

/** A fresh id for a tab's connection. */
export const newClientId = (): string => randomUUID();

/** Saves every open notebook (the web process calls this before it exits). */
export async function persistAllLiveNotebooks(): Promise<void> {
  await Promise.all([...liveNotebooks().values()].map((live) => (live instanceof LiveNotebook ? live.close("The studio is restarting.", false, 1012) : undefined)));
}
