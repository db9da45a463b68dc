import { describe, expect, it } from "vitest";
import { LabelingInputError } from "@/lib/labeling/common";
import { consolidateSpans, modeOrMedian, spanJaccard, type SpanResponse } from "@/lib/labeling/spans";
import { mulberry32 } from "@/test/prng";

const span = (start: number, end: number, label = "PER") => ({ start, end, label });

describe("spanJaccard", () => {
  it("is overlap / union of the character sets", () => {
    expect(spanJaccard(span(0, 8), span(0, 13))).toBeCloseTo(8 / 13, 12); // "New York" vs "New York City"
    expect(spanJaccard(span(0, 5), span(0, 5))).toBe(1);
    expect(spanJaccard(span(0, 5), span(5, 9))).toBe(0); // touching, end exclusive
    expect(spanJaccard(span(0, 10), span(5, 15))).toBeCloseTo(5 / 15, 12);
  });
});

describe("modeOrMedian", () => {
  it("takes the single most frequent value, else the (lower) median", () => {
    expect(modeOrMedian([4, 4, 7])).toBe(4);
    expect(modeOrMedian([9])).toBe(9);
    expect(modeOrMedian([3, 8, 5])).toBe(5); // all different: median
    expect(modeOrMedian([3, 3, 5, 5])).toBe(3); // two modes: lower median of all
    expect(modeOrMedian([10, 2, 2, 6, 6, 7])).toBe(6); // two modes: median of 2 2 6 6 7 10 → lower middle 6
  });
});

describe("consolidateSpans", () => {
  it("merges overlapping spans of 3 workers: boundaries by mode, label by majority", () => {
    // A span sharing under half its characters with the others would not join them: see the threshold test.
    // "Barack Obama visited New York City" — entities at [0, 12) and [21, 34).
    const responses: SpanResponse[] = [
      { workerId: "a", spans: [span(0, 12, "PER"), span(21, 29, "LOC")] },
      { workerId: "b", spans: [span(0, 12, "PER"), span(21, 34, "LOC")] },
      { workerId: "c", spans: [span(4, 12, "PER"), span(21, 34, "ORG")] },
    ];
    const result = consolidateSpans(responses);
    expect(result.workers).toBe(3);
    expect(result.dropped).toBe(0);
    expect(result.spans.map(({ start, end, label, support }) => ({ start, end, label, support }))).toEqual([
      { start: 0, end: 12, label: "PER", support: 3 },
      { start: 21, end: 34, label: "LOC", support: 3 },
    ]);
    const [per, loc] = result.spans;
    expect(per.labelShare).toBe(1);
    expect(loc.labelShare).toBeCloseTo(2 / 3, 12);
    // Mean Jaccard with the consolidated span: (1 + 1 + 8/12) / 3.
    expect(per.meanJaccard).toBeCloseTo((2 + 8 / 12) / 3, 12);
    expect(per.confidence).toBeCloseTo((2 + 8 / 12) / 3, 12);
    expect(loc.confidence).toBeCloseTo((8 / 13 + 2) / 3, 12);
    expect(per.workerIds).toEqual(["a", "b", "c"]);
  });

  it("uses the median when no boundary value is the single mode", () => {
    const result = consolidateSpans([
      { workerId: "a", spans: [span(10, 20)] },
      { workerId: "b", spans: [span(11, 21)] },
      { workerId: "c", spans: [span(12, 19)] },
    ]);
    expect(result.spans.map((s) => [s.start, s.end])).toEqual([[11, 20]]);
  });

  it("drops spans only a minority marked and keeps separate entities apart", () => {
    const result = consolidateSpans([
      { workerId: "a", spans: [span(0, 5), span(10, 15, "LOC"), span(40, 44, "MISC")] },
      { workerId: "b", spans: [span(0, 5), span(10, 15, "LOC")] },
      { workerId: "c", spans: [span(0, 6)] },
      { workerId: "d", spans: [] },
    ]);
    expect(result.spans.map((s) => [s.start, s.end, s.label, s.support])).toEqual([
      [0, 5, "PER", 3],
      [10, 15, "LOC", 2], // 2 of 4: at least half
    ]);
    expect(result.dropped).toBe(1); // MISC, 1 of 4
    expect(result.spans[1].confidence).toBeCloseTo(0.5, 12);
  });

  it("does not merge spans below the Jaccard threshold, nor two spans of one worker", () => {
    const below = consolidateSpans([
      { workerId: "a", spans: [span(0, 10)] },
      { workerId: "b", spans: [span(5, 15)] }, // Jaccard 1/3
    ]);
    expect(below.spans).toHaveLength(2);
    expect(consolidateSpans([{ workerId: "a", spans: [span(0, 10)] }, { workerId: "b", spans: [span(5, 15)] }], { jaccardThreshold: 0.3 }).spans).toHaveLength(1);
    // Nested entities marked by both workers stay two entities.
    const nested = consolidateSpans([
      { workerId: "a", spans: [span(0, 20, "ORG"), span(0, 15, "LOC")] },
      { workerId: "b", spans: [span(0, 20, "ORG"), span(0, 15, "LOC")] },
    ]);
    expect(nested.spans.map((s) => [s.start, s.end, s.label])).toEqual([
      [0, 15, "LOC"],
      [0, 20, "ORG"],
    ]);
  });

  it("breaks label ties towards the smallest label (UTF-16 order)", () => {
    const result = consolidateSpans([
      { workerId: "a", spans: [span(0, 5, "PER")] },
      { workerId: "b", spans: [span(0, 5, "ORG")] },
    ]);
    expect(result.spans[0].label).toBe("ORG");
    expect(result.spans[0].labelShare).toBe(0.5);
  });

  it("gives the same spans whatever the order of workers and spans", () => {
    const random = mulberry32(9);
    const entities = [span(0, 12, "PER"), span(20, 28, "LOC"), span(40, 55, "ORG"), span(60, 64, "MISC")];
    const jitter = () => Math.round((random() - 0.5) * 4);
    const responses: SpanResponse[] = ["a", "b", "c", "d", "e"].map((workerId) => ({
      workerId,
      spans: entities.filter(() => random() < 0.7).map((e) => span(Math.max(0, e.start + jitter()), e.end + jitter(), random() < 0.8 ? e.label : "OTHER")),
    }));
    const key = (r: ReturnType<typeof consolidateSpans>) => r.spans.map((s) => `${s.start}-${s.end}:${s.label}:${s.support}`);
    const forward = consolidateSpans(responses);
    const backward = consolidateSpans([...responses].reverse().map((r) => ({ ...r, spans: [...r.spans].reverse() })));
    expect(key(backward)).toEqual(key(forward));
    for (const s of forward.spans) {
      expect(s.start).toBeLessThan(s.end);
      expect(s.confidence).toBeGreaterThan(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("rejects malformed spans and duplicate workers", () => {
    expect(() => consolidateSpans([{ workerId: "a", spans: [span(5, 5)] }])).toThrow(LabelingInputError);
    expect(() => consolidateSpans([{ workerId: "a", spans: [span(-1, 5)] }])).toThrow(/0 ≤ start < end/);
    expect(() => consolidateSpans([{ workerId: "a", spans: [span(0, 2.5)] }])).toThrow(/integer offsets/);
    expect(() => consolidateSpans([{ workerId: "a", spans: [span(0, 5, "")] }])).toThrow(/no label/);
    expect(() =>
      consolidateSpans([
        { workerId: "a", spans: [] },
        { workerId: "a", spans: [] },
      ]),
    ).toThrow(/more than once/);
    expect(consolidateSpans([])).toEqual({ spans: [], workers: 0, dropped: 0 });
  });
});
