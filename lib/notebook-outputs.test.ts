import { describe, expect, it } from "vitest";
import { applyIopub, collapseControlCharacters, emptyOutputState, type IopubMessage, type OutputState } from "@/lib/notebook-outputs";

const run = (...messages: IopubMessage[]): OutputState => messages.reduce(applyIopub, emptyOutputState());
const stream = (text: string, name = "stdout"): IopubMessage => ({ msg_type: "stream", content: { name, text } });
const display = (text: string, displayId?: string): IopubMessage => ({
  msg_type: "display_data",
  content: { data: { "text/plain": text }, metadata: {}, ...(displayId ? { transient: { display_id: displayId } } : {}) },
});

describe("collapseControlCharacters", () => {
  it("overwrites a line from its last carriage return, keeps finished lines, applies backspaces", () => {
    expect(collapseControlCharacters("10%\r50%\r100%\ndone\n")).toBe("100%\ndone\n");
    expect(collapseControlCharacters("50%\r")).toBe("50%");
    expect(collapseControlCharacters("abc\b\bd")).toBe("ad");
    expect(collapseControlCharacters("a\r\nb")).toBe("a\nb");
  });
});

describe("applyIopub", () => {
  it("merges consecutive chunks of one stream and keeps stdout and stderr apart", () => {
    const s = run(stream("a\n"), stream("b\n"), stream("oops\n", "stderr"), stream("c\n"));
    expect(s.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "stream", name: "stderr", text: "oops\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
  });

  it("collapses a tqdm progress bar written across chunks into its latest state", () => {
    const chunks = ["\r  0%|          | 0/3", "\r 33%|███▎      | 1/3", "\r 67%|██████▋   | 2/3", "\r100%|██████████| 3/3", "\n", "finished\n"];
    const s = run(...chunks.map((t) => stream(t, "stderr")));
    expect(s.outputs).toEqual([{ output_type: "stream", name: "stderr", text: "100%|██████████| 3/3\nfinished\n" }]);
    // Mid-way, only the current state of the bar is kept.
    const mid = run(stream("50%\r"), stream("60%\r"));
    expect(mid.outputs[0]).toMatchObject({ text: "60%\r" });
    expect(applyIopub(mid, stream("70%")).outputs[0]).toMatchObject({ text: "70%" });
  });

  it("clear_output(wait=True) keeps the old output until the next one arrives; without wait it clears at once", () => {
    const waiting = run(stream("frame 1\n"), { msg_type: "clear_output", content: { wait: true } });
    expect(waiting.outputs).toHaveLength(1);
    expect(applyIopub(waiting, stream("frame 2\n")).outputs).toEqual([{ output_type: "stream", name: "stdout", text: "frame 2\n" }]);
    expect(run(stream("x\n"), { msg_type: "clear_output", content: { wait: false } }).outputs).toEqual([]);
  });

  it("update_display_data rewrites every output with that display id and nothing else", () => {
    const s = run(display("step 1", "progress"), display("other"), display("step 1 (again)", "progress"), {
      msg_type: "update_display_data",
      content: { data: { "text/plain": "step 2" }, metadata: {}, transient: { display_id: "progress" } },
    });
    expect(s.outputs.map((o) => (o.output_type === "display_data" ? o.data["text/plain"] : null))).toEqual(["step 2", "other", "step 2"]);
    const unknown = applyIopub(s, { msg_type: "update_display_data", content: { data: { "text/plain": "x" }, transient: { display_id: "nope" } } });
    expect(unknown).toBe(s);
  });

  it("records results and errors as nbformat outputs and ignores status messages", () => {
    const s = run(
      { msg_type: "status", content: { execution_state: "busy" } },
      { msg_type: "execute_input", content: { code: "1/0" } },
      { msg_type: "execute_result", content: { execution_count: 3, data: { "text/plain": "2" }, metadata: {} } },
      { msg_type: "error", content: { ename: "ZeroDivisionError", evalue: "division by zero", traceback: ["\u001b[31mTraceback"] } },
    );
    expect(s.outputs).toEqual([
      { output_type: "execute_result", execution_count: 3, data: { "text/plain": "2" }, metadata: {} },
      { output_type: "error", ename: "ZeroDivisionError", evalue: "division by zero", traceback: ["\u001b[31mTraceback"] },
    ]);
  });

  it("appends 100,000 printed lines in linear time, progress bars included", () => {
    let state = emptyOutputState();
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) state = applyIopub(state, { msg_type: "stream", content: { name: "stdout", text: i % 1000 === 0 ? `\r${i}` : `line ${i}\n` } });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(state.outputs).toHaveLength(1);
    expect((state.outputs[0] as { text: string }).text.endsWith("line 99999\n")).toBe(true);
  });
});
