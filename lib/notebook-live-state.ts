// A tab's copy of an open notebook, kept in step with the server by applying its socket messages.
// Pure: the editor uses it, and so do the server's tests (as a second tab would).
import type { Cell, Notebook, Output } from "@/lib/nbformat";
import { applyEditOps, updateCell, type EditOp } from "@/lib/notebook-ops";
import type { CellRun, InputRequest, KernelState, ServerMessage } from "@/lib/notebook-live-protocol";

export interface LiveState {
  clientId: string;
  name: string;
  /** The stored version the server last saved. */
  version: number;
  savedAt: string | null;
  content: Notebook;
  canWrite: boolean;
  kernel: KernelState;
  runs: Record<string, CellRun>;
  input: InputRequest | null;
}

function patchOutputs(content: Notebook, cellId: string, f: (outputs: Output[]) => Output[]): Notebook {
  return updateCell(content, cellId, (c) => (c.cell_type === "code" ? ({ ...c, outputs: f(c.outputs as Output[]) } as Cell) : c));
}

/** The state after one server message (messages that carry no state, like replies, leave it as is). */
export function applyServerMessage(state: LiveState | null, message: ServerMessage): LiveState | null {
  if (message.type === "snapshot") {
    const { clientId, name, version, content, canWrite, kernel, runs, input } = message;
    return { clientId, name, version, savedAt: null, content, canWrite, kernel, runs, input };
  }
  if (!state) return state;
  switch (message.type) {
    case "ops":
      return message.clientId === state.clientId ? state : { ...state, content: applyEditOps(state.content, message.ops) };
    case "outputs":
      return { ...state, content: patchOutputs(state.content, message.cellId, (outputs) => [...outputs.slice(0, message.from), ...message.outputs]) };
    case "stream_append":
      return {
        ...state,
        content: patchOutputs(state.content, message.cellId, (outputs) => {
          const target = outputs[message.index];
          if (target?.output_type !== "stream") return outputs;
          const next = [...outputs];
          next[message.index] = { ...target, text: target.text + message.text };
          return next;
        }),
      };
    case "cell_execution":
      return {
        ...state,
        content: updateCell(state.content, message.cellId, (c) =>
          c.cell_type === "code" ? ({ ...c, execution_count: message.executionCount, metadata: { ...c.metadata, execution: message.execution } } as Cell) : c,
        ),
      };
    case "runs":
      return { ...state, runs: message.runs };
    case "kernel":
      return { ...state, kernel: message.kernel };
    case "input":
      return { ...state, input: message.input };
    case "saved":
      return { ...state, version: message.version, savedAt: message.savedAt };
    default:
      return state;
  }
}

/** Applies edits made in this tab before the server confirms them (it applies the same operations). */
export function applyLocalOps(state: LiveState, ops: EditOp[]): LiveState {
  return { ...state, content: applyEditOps(state.content, ops) };
}
