// The live notebook session against a real Jupyter Kernel Gateway: cells run on a real kernel,
// outputs reach every tab and are saved while no tab is open, stdin, interrupt, restart, queueing,
// completion, and changes made through the HTTP API while the session is open.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { startGateway, type RunningGateway } from "@/test/gateway";
import { sealSecret } from "@/server/crypto/secret-box";
import { createProject } from "@/server/projects/create-project";
import { createNotebook } from "@/server/notebooks/create-notebook";
import { createNotebookInput } from "@/server/notebooks/notebook-schemas";
import { createCheckpoint, restoreCheckpoint } from "@/server/notebooks/checkpoints";
import { updateNotebook } from "@/server/notebooks/update-notebook";
import { trashNotebook } from "@/server/notebooks/trash-notebook";
import { LiveNotebook, persistAllLiveNotebooks, type LiveClient } from "@/server/notebooks/live/live-notebook";
import { liveNotebooks } from "@/server/notebooks/live/live-registry";
import { KernelSession } from "@/server/notebooks/live/kernel-session";
import { applyServerMessage, type LiveState } from "@/lib/notebook-live-state";
import type { ServerMessage } from "@/lib/notebook-live-protocol";
import type { EditOp } from "@/lib/notebook-ops";
import type { Cell, Notebook } from "@/lib/nbformat";

const db = setupTestDb();
let gateway: RunningGateway;

beforeAll(async () => {
  // Culling is noticed by polling the host; quicker here than the 10 s people get.
  KernelSession.watchEveryMs = 300;
  gateway = await startGateway();
}, 90_000);

afterEach(async () => {
  // Each test's sessions are closed and their kernels shut down, so kernels do not pile up.
  await Promise.all([...liveNotebooks().values()].map((live) => (live as LiveNotebook).close(null, true)));
});

afterAll(async () => {
  await persistAllLiveNotebooks();
  await gateway?.stop();
}, 30_000);

/** A tab, as far as the session is concerned: it keeps its copy with the same reducer the editor uses. */
class Tab implements LiveClient {
  state: LiveState | null = null;
  readonly messages: ServerMessage[] = [];
  closedWith: number | null = null;
  private waiters: (() => void)[] = [];
  constructor(
    readonly id: string,
    readonly userId: string,
    public canWrite = true,
  ) {}
  send(message: ServerMessage) {
    this.messages.push(message);
    this.state = applyServerMessage(this.state, message);
    for (const w of this.waiters.splice(0)) w();
  }
  close(code: number) {
    this.closedWith = code;
    for (const w of this.waiters.splice(0)) w();
  }
  async until<T>(what: string, f: (s: LiveState) => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = this.state ? f(this.state) : undefined;
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; kernel: ${JSON.stringify(this.state?.kernel)}; runs: ${JSON.stringify(this.state?.runs)}; last: ${JSON.stringify(this.messages.slice(-5)).slice(0, 1500)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  cell(id: string): Cell & { cell_type: "code" } {
    return this.state!.content.cells.find((c) => c.id === id) as Cell & { cell_type: "code" };
  }
  text(id: string): string {
    return (this.cell(id)?.outputs ?? []).map((o) => (o.output_type === "stream" ? o.text : o.output_type === "error" ? `${o.ename}: ${o.evalue}` : String((o.data as Record<string, unknown>)?.["text/plain"] ?? ""))).join("");
  }
}

let cellCounter = 0;
const codeCell = (source: string): Cell => ({ id: `c${++cellCounter}`, cell_type: "code", source, metadata: {}, execution_count: null, outputs: [] }) as Cell;

async function openNotebook() {
  const { principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `P ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  await db.computeHost.create({ data: { name: "local", kind: "local", url: gateway.url, tokenCiphertext: sealSecret(gateway.token), status: "healthy" } });
  const notebook = await createNotebook(db, project.id, createNotebookInput.parse({ name: "Live" }), principal);
  const live = await LiveNotebook.open(db, notebook.id);
  const tab = new Tab(`tab-${Math.random()}`, principal.id);
  live.join(tab);
  return { live, tab, principal, notebook };
}

function addCells(live: LiveNotebook, tab: Tab, ...sources: string[]): string[] {
  const cells = sources.map(codeCell);
  const ops: EditOp[] = [{ op: "insert_cells", afterId: null, cells }];
  live.applyOps(tab, ops);
  tab.state = { ...tab.state!, content: { ...tab.state!.content, cells: [...cells, ...tab.state!.content.cells] } };
  return cells.map((c) => c.id);
}

async function stored(notebookId: string): Promise<Notebook> {
  return (await db.notebook.findUniqueOrThrow({ where: { id: notebookId } })).content as unknown as Notebook;
}

describe("live notebook on a real kernel", () => {
  it("runs 1+1 on a kernel it starts, shows the result and count in every tab, and saves them", async () => {
    const { live, tab, principal, notebook } = await openNotebook();
    const second = new Tab("second", principal.id);
    live.join(second);
    const [id] = addCells(live, tab, "1+1");
    expect(second.cell(id).source).toBe("1+1");

    live.execute(tab, [id]);
    expect(tab.state!.runs[id]?.state).toBe("queued");
    await tab.until("the result", (s) => !s.runs[id] && tab.cell(id).outputs.length > 0);
    expect(tab.cell(id).outputs).toEqual([{ output_type: "execute_result", execution_count: 1, data: { "text/plain": "2" }, metadata: {} }]);
    expect(tab.cell(id).execution_count).toBe(1);
    expect(Object.keys(tab.cell(id).metadata.execution as object)).toEqual(expect.arrayContaining(["iopub.status.busy", "shell.execute_reply", "iopub.status.idle"]));
    expect(second.cell(id)).toEqual(tab.cell(id));
    expect(tab.state!.kernel).toMatchObject({ status: "idle", hostName: "local", kernelName: "python3" });
    // Saved by the server within about a second, with no save from the tab.
    let saved: (Cell & { cell_type: "code" }) | undefined;
    for (let i = 0; i < 30 && !saved?.outputs.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      saved = (await stored(notebook.id)).cells.find((c) => c.id === id) as Cell & { cell_type: "code" };
    }
    expect(saved!.outputs).toEqual(tab.cell(id).outputs);
    expect(saved!.execution_count).toBe(1);
    expect((await db.notebook.findUniqueOrThrow({ where: { id: notebook.id } })).kernelId).toBeTruthy();
  });

  it("keeps every line a cell prints while no tab is open, and a tab that comes back sees them and the rest live", async () => {
    const { live, tab, principal, notebook } = await openNotebook();
    const [id] = addCells(live, tab, "import time\nfor i in range(40):\n    print('line', i, flush=True)\n    time.sleep(0.1)");
    live.execute(tab, [id]);
    await tab.until("the first line", () => tab.text(id).includes("line 0"));
    live.leave(tab.id);

    await new Promise((r) => setTimeout(r, 1_500));
    const back = new Tab("back", principal.id);
    live.join(back);
    expect(back.text(id)).toMatch(/line 1\d/);
    await back.until("the last line", () => back.text(id).includes("line 39"));
    const expected = Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join("");
    expect(back.text(id)).toBe(expected);
    live.leave(back.id);
    // Saved within a second of the last output, with nobody watching.
    await new Promise((r) => setTimeout(r, 1_500));
    const saved = (await stored(notebook.id)).cells.find((c) => c.id === id) as Cell & { cell_type: "code" };
    expect(saved.outputs).toEqual([{ output_type: "stream", name: "stdout", text: expected }]);
  });

  it("asks every tab for input() and sends the answer back to the kernel", async () => {
    const { live, tab } = await openNotebook();
    const [id] = addCells(live, tab, "name = input('Your name? ')\nprint('hello', name)");
    live.execute(tab, [id]);
    const request = await tab.until("the input request", (s) => s.input);
    expect(request).toEqual({ cellId: id, prompt: "Your name? ", password: false });
    live.replyInput(tab, "Ada");
    await tab.until("the greeting", () => tab.text(id).includes("hello Ada"));
    expect(tab.text(id)).toBe("Your name? Ada\nhello Ada\n");
    expect(tab.state!.input).toBeNull();
  });

  it("interrupts a sleeping cell, skips the cells queued behind an error, and restarts with a clean namespace", async () => {
    const { live, tab } = await openNotebook();
    const [sleep, after] = addCells(live, tab, "import time\nprint('sleeping', flush=True)\ntime.sleep(60)", "print('not run')");
    live.execute(tab, [sleep, after]);
    // Interrupting before the code runs is a race in Jupyter itself (the signal can land between
    // cells); people interrupt what they see running.
    await tab.until("the sleep to run", (s) => s.runs[sleep]?.state === "running" && tab.text(sleep).includes("sleeping"));
    expect(tab.state!.runs[after]?.state).toBe("queued");
    live.kernelAction(tab, "interrupt");
    await tab.until("the interrupt", (s) => !s.runs[sleep] && !s.runs[after]);
    expect(tab.text(sleep)).toContain("KeyboardInterrupt");
    expect(tab.cell(after).outputs).toEqual([]);

    const [set, get] = addCells(live, tab, "x = 41", "x + 1");
    live.execute(tab, [set, get]);
    await tab.until("x + 1", () => tab.text(get) === "42");
    live.kernelAction(tab, "restart");
    await tab.until("the restart", (s) => s.kernel.status === "idle" && tab.messages.some((m) => m.type === "kernel" && m.kernel.status === "restarting"));
    live.execute(tab, [get]);
    await tab.until("the NameError", () => tab.text(get).includes("NameError"));
  });

  it("answers completion and help requests from the kernel", async () => {
    const { live, tab } = await openNotebook();
    const [id] = addCells(live, tab, "import os");
    live.execute(tab, [id]);
    await tab.until("the import", (s) => !s.runs[id] && s.kernel.status === "idle");
    const completion = await live.complete("os.pa", 5);
    expect(completion.matches as string[]).toEqual(expect.arrayContaining([expect.stringMatching(/path$/)]));
    const help = await live.inspect("os.getcwd", 9, 0);
    expect(help.found).toBe(true);
    expect(JSON.stringify(help.data)).toContain("current working directory");
  });

  it("follows restores, kernel changes and the trash made through the API", async () => {
    const { live, tab, principal, notebook } = await openNotebook();
    const [id] = addCells(live, tab, "print('v1')");
    await live.persist();
    const checkpoint = await createCheckpoint(db, notebook.id, "v1", principal);
    live.applyOps(tab, [{ op: "set_source", cellId: id, source: "print('v2')" }]);
    await live.persist();
    await restoreCheckpoint(db, notebook.id, checkpoint.id, principal);
    await tab.until("the restored source", (s) => s.content.cells.find((c) => c.id === id)?.source === "print('v1')");

    live.execute(tab, [id]);
    await tab.until("a kernel", (s) => s.kernel.status === "idle" && !s.runs[id]);
    await updateNotebook(db, notebook.id, { kernelName: "python3", hostId: null }, principal);
    await trashNotebook(db, notebook.id, principal);
    await tab.until("the tab to be closed", () => tab.closedWith);
    expect(tab.closedWith).toBe(4410);
    expect((await db.notebook.findUniqueOrThrow({ where: { id: notebook.id } })).kernelId).toBeNull();
  });

  it("updates a display from a later cell, clears with wait=True like Jupyter, and shows `?` help and %load in cells", async () => {
    const { live, tab } = await openNotebook();
    const [show, update, wait, help, load, progress] = addCells(
      live,
      tab,
      "from IPython.display import display, clear_output\nh = display('first', display_id=True)",
      "h.update('second')",
      "import time\nfor i in range(3):\n    clear_output(wait=True)\n    print('step', i)",
      "len?",
      "%load_ext autoreload",
      "from tqdm import tqdm\nimport time\nfor _ in tqdm(range(20), mininterval=0):\n    time.sleep(0.01)",
    );
    live.execute(tab, [show, update, wait, help, progress]);
    await tab.until("all five cells", (s) => Object.keys(s.runs).length === 0 && tab.text(progress).includes("20/20"));
    // tqdm redraws its bar with "\r": one line, in its final state.
    expect(tab.text(progress)).toMatch(/^100%\|█+\| 20\/20 \[[^\n\r]*\]\n$/);
    expect(tab.text(show)).toBe("'second'");
    expect(tab.text(wait)).toBe("step 2\n");
    expect(tab.text(help)).toContain("Return the number of items in a container.");
    void load;
  });

  it("says so when the kernel dies and its host restarts it, and when the host is disabled", async () => {
    const { live, tab } = await openNotebook();
    const [die] = addCells(live, tab, "import os\nos._exit(1)");
    live.execute(tab, [die]);
    await tab.until("the restart banner", () => tab.messages.some((m) => m.type === "kernel" && m.kernel.status === "restarting" && m.kernel.message?.includes("died")));
    await tab.until("the kernel back", (s) => s.kernel.status === "idle");
    expect(tab.state!.runs).toEqual({});
    // The banner stays until the person acts, so a death while they looked away is not missed.
    expect(tab.state!.kernel.message).toContain("The kernel died");

    live.kernelAction(tab, "shutdown");
    await tab.until("no kernel", (s) => s.kernel.status === "none");
    await db.computeHost.updateMany({ data: { enabled: false } });
    const [again] = addCells(live, tab, "1+1");
    live.execute(tab, [again]);
    await tab.until("the unreachable banner", (s) => s.kernel.status === "unreachable");
    expect(tab.state!.kernel.message).toContain("disabled by an admin");
    expect(tab.state!.runs).toEqual({});
  });

  it("tells the tab when the host shut an idle kernel down (culling), and starts a new one on the next run", async () => {
    const { live, tab, notebook } = await openNotebook();
    const [id] = addCells(live, tab, "1+1");
    live.execute(tab, [id]);
    await tab.until("the first result", (s) => s.kernel.status === "idle" && !s.runs[id] && tab.text(id) === "2");
    const { kernelId } = await db.notebook.findUniqueOrThrow({ where: { id: notebook.id } });
    // What the gateway's culler does to a kernel idle for too long.
    const culled = await fetch(`${gateway.url}/api/kernels/${kernelId}`, { method: "DELETE", headers: { Authorization: `token ${gateway.token}` } });
    expect(culled.status).toBe(204);
    await tab.until("the culled banner", (s) => s.kernel.status === "culled");
    expect(tab.state!.kernel.message).toContain("idle");
    live.execute(tab, [id]);
    await tab.until("a new kernel's result", (s) => s.kernel.status === "idle" && !s.runs[id] && tab.text(id) === "2");
    expect((await db.notebook.findUniqueOrThrow({ where: { id: notebook.id } })).kernelId).not.toBe(kernelId);
  });
});
