// The notebook socket: what a browser tab and the studio server say to each other about one open
// notebook. The server holds the kernel connection and the authoritative document; tabs send
// edits and requests, the server applies them, runs cells and streams results to every tab.
import { z } from "zod";
import { editOpSchema } from "@/lib/notebook-ops";
import type { Notebook, Output } from "@/lib/nbformat";

export const notebookSocketPath = (notebookId: string) => `/api/notebooks/${encodeURIComponent(notebookId)}/socket`;
export const NOTEBOOK_SOCKET_PATTERN = /^\/api\/notebooks\/([^/]+)\/socket$/;

const requestId = z.string().min(1).max(64);
const cellId = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/);

export const clientMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ops"), ops: z.array(editOpSchema).min(1).max(10_000) }),
  /** Runs code cells in this order with their current sources (other cell types are skipped). */
  z.object({ type: z.literal("execute"), cellIds: z.array(cellId).min(1).max(100_000) }),
  z.object({ type: z.literal("kernel"), action: z.enum(["start", "interrupt", "restart", "shutdown"]) }),
  z.object({ type: z.literal("input_reply"), value: z.string().max(1_000_000) }),
  z.object({ type: z.literal("complete"), requestId, code: z.string().max(1_000_000), cursorPos: z.number().int().min(0) }),
  z.object({ type: z.literal("inspect"), requestId, code: z.string().max(1_000_000), cursorPos: z.number().int().min(0), detailLevel: z.union([z.literal(0), z.literal(1)]) }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/**
 * none: no kernel yet · starting / idle / busy / restarting: as Jupyter reports ·
 * dead: the kernel process died · culled: the host shut it down while idle ·
 * disconnected: the studio lost its connection to the host and is reconnecting ·
 * unreachable: the host cannot be reached to start one.
 */
export type KernelStatus = "none" | "starting" | "idle" | "busy" | "restarting" | "dead" | "culled" | "disconnected" | "unreachable";

export interface KernelState {
  status: KernelStatus;
  hostId: string | null;
  hostName: string | null;
  kernelName: string;
  kernelDisplayName: string | null;
  /** What happened and what to do, for banners (dead, culled, unreachable, failed start). */
  message: string | null;
}

export interface CellRun {
  state: "queued" | "running";
  queuedAt: string;
  startedAt: string | null;
}

export interface InputRequest {
  cellId: string;
  prompt: string;
  password: boolean;
}

export type ServerMessage =
  | {
      type: "snapshot";
      clientId: string;
      name: string;
      version: number;
      content: Notebook;
      canWrite: boolean;
      kernel: KernelState;
      runs: Record<string, CellRun>;
      input: InputRequest | null;
    }
  /** Edits applied by the server; `clientId` is the tab they came from (it already has them). */
  | { type: "ops"; clientId: string; ops: z.infer<typeof editOpSchema>[] }
  /** A cell's outputs from index `from` on are replaced by `outputs`. */
  | { type: "outputs"; cellId: string; from: number; outputs: Output[] }
  /** Text appended to the stream output at `index` (the common case of printing). */
  | { type: "stream_append"; cellId: string; index: number; text: string }
  /** Execution count and timing metadata of a code cell changed. */
  | { type: "cell_execution"; cellId: string; executionCount: number | null; execution: Record<string, string> }
  | { type: "runs"; runs: Record<string, CellRun> }
  | { type: "kernel"; kernel: KernelState }
  | { type: "input"; input: InputRequest | null }
  | { type: "saved"; version: number; savedAt: string }
  | { type: "reply"; requestId: string; ok: true; content: Record<string, unknown> }
  | { type: "reply"; requestId: string; ok: false; error: string }
  /** A message was refused (permissions, bad input); nothing changed. */
  | { type: "error"; message: string };

/** Close codes the client acts on (4000–4999 are for applications). */
export const SOCKET_CLOSE = {
  /** Not signed in, or the session ended: go to the sign-in page. */
  unauthenticated: 4401,
  /** No such notebook for this user (or access was removed). */
  notFound: 4404,
  /** The notebook was trashed or deleted. */
  gone: 4410,
} as const;
