// Applying a kernel's iopub messages to a cell's outputs, the way Jupyter does: streams of the same
// name merge, `\r` progress bars (tqdm) collapse in place, `clear_output(wait=True)` clears only
// when the next output arrives, `update_display_data` rewrites every output with that display id.
// Pure and safe in browser and server: the server persists what it produces, browsers render it.
import type { Output } from "@/lib/nbformat";

export interface OutputState {
  outputs: Output[];
  /** clear_output(wait=True) was received: the next output replaces everything. */
  clearPending: boolean;
  /** display_id → indexes of the outputs that show it (transient: not written to the file). */
  displays: Record<string, number[]>;
  /**
   * Whether the last output is a stream ending in "\r" (a progress bar waiting for its next state);
   * unknown (undefined) for outputs loaded from a file. Kept here because looking at the end of a
   * long, appended-to string makes the engine copy all of it: printing would turn quadratic.
   */
  trailingCR?: boolean;
}

export const emptyOutputState = (): OutputState => ({ outputs: [], clearPending: false, displays: {} });

/** An iopub message as far as outputs are concerned. */
export interface IopubMessage {
  msg_type: string;
  content: Record<string, unknown>;
}

/**
 * What a terminal would show for text with carriage returns and backspaces, simplified like
 * JupyterLab: on each line, text before the last `\r` is overwritten by what follows it (a
 * trailing `\r` waits for the next write), and `\b` deletes the character before it.
 */
export function collapseControlCharacters(text: string): string {
  if (!text.includes("\r") && !text.includes("\b")) return text;
  return text
    .split("\n")
    .map((line) => {
      let shown = line;
      if (shown.includes("\r")) {
        const parts = shown.split("\r");
        // "50%\r" keeps showing 50% until the next write; "50%\r60%" shows 60%.
        while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
        shown = parts[parts.length - 1];
      }
      if (shown.includes("\b")) {
        const out: string[] = [];
        for (const ch of shown) {
          if (ch === "\b") out.pop();
          else out.push(ch);
        }
        shown = out.join("");
      }
      return shown;
    })
    .join("\n");
}

// A trailing "\r" must survive until the next chunk decides what it overwrites, so collapsing
// keeps it on the last line. Only the unfinished last line can change, so only it is collapsed
// again: appending stays linear however long the stream grows (100,000 printed lines).
function appendStream(previous: string, chunk: string): string {
  const cut = previous.lastIndexOf("\n") + 1;
  const tail = previous.slice(cut) + chunk;
  const collapsed = collapseControlCharacters(tail);
  return previous.slice(0, cut) + (tail.endsWith("\r") && !collapsed.endsWith("\r") ? `${collapsed}\r` : collapsed);
}

function withOutput(state: OutputState, output: Output, displayId?: string): OutputState {
  const base = state.clearPending ? emptyOutputState() : state;
  const outputs = [...base.outputs, output];
  const displays = displayId ? { ...base.displays, [displayId]: [...(base.displays[displayId] ?? []), outputs.length - 1] } : base.displays;
  return { outputs, clearPending: false, displays, trailingCR: false };
}

const displayIdOf = (content: Record<string, unknown>) => (content.transient as { display_id?: unknown } | undefined)?.display_id;

/** The outputs after one iopub message; messages that do not touch outputs return the state unchanged. */
export function applyIopub(state: OutputState, message: IopubMessage): OutputState {
  const c = message.content;
  switch (message.msg_type) {
    case "stream": {
      const name = String(c.name ?? "stdout");
      const text = String(c.text ?? "");
      const base = state.clearPending ? emptyOutputState() : state;
      const last = base.outputs[base.outputs.length - 1];
      if (last?.output_type === "stream" && last.name === name) {
        const pendingCR = base.trailingCR ?? last.text.endsWith("\r");
        const plain = !pendingCR && !text.includes("\r") && !text.includes("\b");
        const outputs = [...base.outputs.slice(0, -1), { ...last, text: plain ? last.text + text : appendStream(last.text, text) }];
        return { ...base, outputs, clearPending: false, trailingCR: text ? text.endsWith("\r") : pendingCR };
      }
      return { ...withOutput(base, { output_type: "stream", name, text: appendStream("", text) }), trailingCR: text.endsWith("\r") };
    }
    case "display_data": {
      const id = displayIdOf(c);
      return withOutput(state, { output_type: "display_data", data: (c.data ?? {}) as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown> }, typeof id === "string" ? id : undefined);
    }
    case "update_display_data": {
      const id = displayIdOf(c);
      if (typeof id !== "string") return state;
      return updateDisplay(state, id, (c.data ?? {}) as Record<string, unknown>, (c.metadata ?? {}) as Record<string, unknown>);
    }
    case "execute_result": {
      const id = displayIdOf(c);
      return withOutput(
        state,
        {
          output_type: "execute_result",
          execution_count: typeof c.execution_count === "number" ? c.execution_count : null,
          data: (c.data ?? {}) as Record<string, unknown>,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        },
        typeof id === "string" ? id : undefined,
      );
    }
    case "error":
      return withOutput(state, {
        output_type: "error",
        ename: String(c.ename ?? "Error"),
        evalue: String(c.evalue ?? ""),
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      });
    case "clear_output":
      return c.wait ? { ...state, clearPending: true } : emptyOutputState();
    default:
      return state;
  }
}

/** Rewrites every output showing this display id (a display can be updated from any later cell). */
export function updateDisplay(state: OutputState, displayId: string, data: Record<string, unknown>, metadata: Record<string, unknown>): OutputState {
  const indexes = state.displays[displayId];
  if (!indexes?.length) return state;
  const outputs = state.outputs.map((o, i) => (indexes.includes(i) && (o.output_type === "display_data" || o.output_type === "execute_result") ? { ...o, data, metadata } : o));
  return { ...state, outputs };
}
