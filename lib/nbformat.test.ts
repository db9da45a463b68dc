import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { emptyNotebook, NotebookFormatError, parseIpynb, serializeIpynb } from "@/lib/nbformat";

// A notebook executed by a real kernel (pandas HTML, stdout/stderr streams, a matplotlib PNG,
// HTML + JSON display data, a ZeroDivisionError, a markdown attachment, a raw cell, custom
// metadata), written as nbformat 4.4 without cell ids, like older tools write it.
const fixture = readFileSync(path.resolve("test/fixtures/real-world.ipynb"), "utf8");
const PYTHON = path.resolve("kernels/.venv/bin/python");

/** Python's nbformat is the referee: the exact check the issue names. */
function nbformatValidate(text: string): { ok: boolean; error: string } {
  const res = spawnSync(PYTHON, ["-c", "import nbformat, sys; nbformat.validate(nbformat.reads(sys.stdin.read(), as_version=4)); print('valid')"], {
    input: text,
    encoding: "utf8",
  });
  return { ok: res.status === 0 && res.stdout.trim() === "valid", error: res.stderr };
}

const joinLines = (v: unknown) => (Array.isArray(v) ? v.join("") : v);

describe("parseIpynb", () => {
  it("reads a real-world 4.4 notebook into the stored form", () => {
    const nb = parseIpynb(fixture);
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.cells.map((c) => c.cell_type)).toEqual(["markdown", "code", "code", "code", "code", "code", "raw"]);
    const ids = nb.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
    expect(nb.cells[1].source).toBe("import pandas as pd\nimport numpy as np\ndf = pd.DataFrame({'a': np.arange(3), 'b': list('xyz')})\ndf");
    expect(nb.metadata.custom_team_field).toEqual({ owner: "dana", tags: ["churn", "q3"] });
    expect(nb.cells[0]).toHaveProperty(["attachments", "logo.png", "image/png"]);
    const code = nb.cells.filter((c) => c.cell_type === "code");
    expect(code.flatMap((c) => c.outputs.map((o) => o.output_type))).toEqual(
      expect.arrayContaining(["execute_result", "stream", "display_data", "error"]),
    );
    const html = code[0].outputs[0];
    expect(html.output_type === "execute_result" && typeof html.data["text/html"]).toBe("string");
  });

  it("keeps every cell, output and metadata field through import and export", () => {
    const original = JSON.parse(fixture);
    const exported = JSON.parse(serializeIpynb(parseIpynb(fixture)));
    expect(exported.metadata).toEqual(original.metadata);
    expect(exported.cells).toHaveLength(original.cells.length);
    original.cells.forEach((cell: Record<string, unknown>, i: number) => {
      const out = exported.cells[i];
      expect(out.id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
      const { id: _id, ...rest } = out;
      // Identical to the original except for the added id (the original already used lists of lines).
      expect(rest).toEqual(cell);
    });
    // And a second round trip changes nothing at all, ids included.
    const once = serializeIpynb(parseIpynb(fixture));
    expect(serializeIpynb(parseIpynb(once))).toBe(once);
  });

  it("writes files that Python's nbformat.validate accepts", () => {
    expect(nbformatValidate(fixture)).toMatchObject({ ok: true });
    const exported = serializeIpynb(parseIpynb(fixture));
    const verdict = nbformatValidate(exported);
    expect(verdict.error).toBe("");
    expect(verdict.ok).toBe(true);
    expect(nbformatValidate(serializeIpynb(emptyNotebook())).ok).toBe(true);
  });

  it("accepts sources as strings or lists and any 4.x minor; repairs missing, invalid and duplicate ids", () => {
    const nb = parseIpynb(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 2,
        metadata: {},
        cells: [
          { cell_type: "code", source: "a = 1", metadata: {}, outputs: [], execution_count: null },
          { cell_type: "markdown", id: "same", source: ["# T", "itle"], metadata: {} },
          { cell_type: "markdown", id: "same", source: "dup", metadata: {} },
          { cell_type: "raw", id: "has spaces!", source: [], metadata: {} },
        ],
      }),
    );
    expect(nb.cells.map((c) => c.source)).toEqual(["a = 1", "# Title", "dup", ""]);
    expect(nb.cells[1].id).toBe("same");
    expect(nb.cells[2].id).not.toBe("same");
    expect(nb.cells[3].id).toMatch(/^[a-f0-9]{8}$/);
  });

  it("names what is wrong with a file that is not a notebook", () => {
    expect(() => parseIpynb("{ not json")).toThrow(/not valid JSON/);
    expect(() => parseIpynb(JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }))).toThrow(/only nbformat 4/);
    try {
      parseIpynb(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "sql", source: "" }] }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NotebookFormatError);
      expect((error as NotebookFormatError).issues[0].path).toBe("cells.0.cell_type");
    }
  });

  it("joins list-of-lines text outputs on read and splits them again on write", () => {
    const nb = parseIpynb(fixture);
    const stream = nb.cells[2].cell_type === "code" ? nb.cells[2].outputs.find((o) => o.output_type === "stream") : undefined;
    expect(stream && stream.output_type === "stream" && stream.text).toBe("line 0\nline 1\nline 2\n");
    expect(joinLines(JSON.parse(serializeIpynb(nb)).cells[2].outputs[0].text)).toBe("line 0\nline 1\nline 2\n");
  });
});
