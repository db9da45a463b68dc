import { describe, expect, it } from "vitest";
import { diffLines, diffNotebooks } from "@/lib/notebook-diff";
import type { Cell, Notebook } from "@/lib/nbformat";

const code = (id: string, source: string, outputs: Cell extends infer C ? (C extends { outputs: infer O } ? O : never) : never = []): Cell => ({
  cell_type: "code",
  id,
  source,
  metadata: {},
  execution_count: null,
  outputs,
});
const nb = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

describe("diffLines", () => {
  it("finds the lines added and removed", () => {
    expect(diffLines("a\nb\nc", "a\nc\nd")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "same", text: "c" },
      { kind: "added", text: "d" },
    ]);
  });
});

describe("diffNotebooks", () => {
  it("matches cells by id: added, removed, modified source or outputs, moved", () => {
    const before = nb(code("a", "1"), code("b", "2"), code("c", "3"), code("d", "4"));
    const after = nb(code("c", "3"), code("a", "1"), code("b", "2 + 0"), code("e", "5"), { ...code("d", "4"), outputs: [{ output_type: "stream", name: "stdout", text: "4\n" }] });
    const diff = diffNotebooks(before, after);
    const byId = Object.fromEntries(diff.cells.map((c) => [c.id, c]));
    expect(byId.e.status).toBe("added");
    expect(byId.b).toMatchObject({ status: "modified", sourceChanged: true, outputsChanged: false });
    expect(byId.d).toMatchObject({ status: "modified", sourceChanged: false, outputsChanged: true });
    expect(byId.c).toMatchObject({ status: "unchanged", moved: true });
    expect(diff.counts).toEqual({ added: 1, removed: 0, modified: 2, unchanged: 2 });
    expect(diffNotebooks(after, before).counts.removed).toBe(1);
  });
});
