import { describe, expect, it } from "vitest";
import type { Cell, Notebook } from "@/lib/nbformat";
import { applyEditOps, editOpSchema } from "@/lib/notebook-ops";
import { applyServerMessage, type LiveState } from "@/lib/notebook-live-state";

const code = (id: string, source = ""): Cell => ({ id, cell_type: "code", source, metadata: {}, execution_count: null, outputs: [] }) as Cell;
const nb = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
const ids = (n: Notebook) => n.cells.map((c) => c.id);

describe("notebook edit operations", () => {
  it("insert, move and delete address cells by id, so edits from another tab land in the right place", () => {
    let doc = nb(code("a"), code("b"), code("c"));
    doc = applyEditOps(doc, [{ op: "insert_cells", afterId: "a", cells: [code("x")] }]);
    expect(ids(doc)).toEqual(["a", "x", "b", "c"]);
    doc = applyEditOps(doc, [{ op: "move_cells", cellIds: ["c"], afterId: null }]);
    expect(ids(doc)).toEqual(["c", "a", "x", "b"]);
    doc = applyEditOps(doc, [{ op: "move_cells", cellIds: ["c", "a"], afterId: "b" }]);
    expect(ids(doc)).toEqual(["x", "b", "c", "a"]);
    doc = applyEditOps(doc, [{ op: "delete_cells", cellIds: ["b", "nope"] }]);
    expect(ids(doc)).toEqual(["x", "c", "a"]);
    // The anchor was deleted in another tab: the cell goes to the end rather than being lost.
    doc = applyEditOps(doc, [{ op: "insert_cells", afterId: "b", cells: [code("y")] }]);
    expect(ids(doc)).toEqual(["x", "c", "a", "y"]);
    // Replayed inserts (a reconnecting tab resending) do not duplicate cells.
    expect(ids(applyEditOps(doc, [{ op: "insert_cells", afterId: null, cells: [code("y")] }]))).toEqual(ids(doc));
  });

  it("changes type like Jupyter (outputs go, source stays), clears outputs, and ignores cells that are gone", () => {
    const withOutput = { ...code("a", "1+1"), execution_count: 3, outputs: [{ output_type: "execute_result", execution_count: 3, data: { "text/plain": "2" }, metadata: {} }] } as Cell;
    let doc = nb(withOutput, code("b", "x"));
    const markdown = applyEditOps(doc, [{ op: "set_cell_type", cellId: "a", cellType: "markdown" }]).cells[0];
    expect(markdown).toEqual({ id: "a", cell_type: "markdown", source: "1+1", metadata: {} });
    doc = applyEditOps(doc, [{ op: "clear_outputs", cellIds: ["a"] }]);
    expect(doc.cells[0]).toMatchObject({ outputs: [], execution_count: null, source: "1+1" });
    const same = applyEditOps(doc, [{ op: "set_source", cellId: "gone", source: "?" }]);
    expect(same).toBe(doc);
  });

  it("validates operations at the boundary", () => {
    expect(editOpSchema.safeParse({ op: "set_source", cellId: "a b", source: "" }).success).toBe(false);
    expect(editOpSchema.safeParse({ op: "insert_cells", afterId: null, cells: [] }).success).toBe(false);
    expect(editOpSchema.safeParse({ op: "insert_cells", afterId: null, cells: [{ cell_type: "code", id: "ok", source: "", metadata: {} }] }).success).toBe(true);
  });
});

describe("a tab's copy of a live notebook", () => {
  const snapshot = (content: Notebook): LiveState =>
    applyServerMessage(null, {
      type: "snapshot",
      clientId: "me",
      name: "N",
      version: 1,
      content,
      canWrite: true,
      kernel: { status: "idle", hostId: null, hostName: "local", kernelName: "python3", kernelDisplayName: null, message: null },
      runs: {},
      input: null,
    })!;

  it("appends streamed text, replaces outputs from an index, and skips its own edits echoed back", () => {
    let state = snapshot(nb(code("a")));
    state = applyServerMessage(state, { type: "outputs", cellId: "a", from: 0, outputs: [{ output_type: "stream", name: "stdout", text: "1\n" }] })!;
    state = applyServerMessage(state, { type: "stream_append", cellId: "a", index: 0, text: "2\n" })!;
    expect(state.content.cells[0]).toMatchObject({ outputs: [{ text: "1\n2\n" }] });
    state = applyServerMessage(state, { type: "outputs", cellId: "a", from: 1, outputs: [{ output_type: "error", ename: "E", evalue: "v", traceback: [] }] })!;
    expect((state.content.cells[0] as { outputs: unknown[] }).outputs).toHaveLength(2);
    state = applyServerMessage(state, { type: "outputs", cellId: "a", from: 0, outputs: [] })!;
    expect((state.content.cells[0] as { outputs: unknown[] }).outputs).toEqual([]);
    const before = state;
    expect(applyServerMessage(state, { type: "ops", clientId: "me", ops: [{ op: "delete_cells", cellIds: ["a"] }] })).toBe(before);
    expect(applyServerMessage(state, { type: "ops", clientId: "other", ops: [{ op: "delete_cells", cellIds: ["a"] }] })!.content.cells).toEqual([]);
  });
});
