import { describe, expect, it } from "vitest";
import { type BoxResponse, clampBox, consolidateBoxes, iou, type LabeledBox } from "@/lib/labeling/boxes";
import { LabelingInputError } from "@/lib/labeling/common";
import { mulberry32 } from "@/test/prng";

const box = (left: number, top: number, width: number, height: number, classId = 0): LabeledBox => ({ classId, left, top, width, height });

describe("iou", () => {
  it("is 1 for identical boxes, 0 for disjoint or touching ones, and area-exact in between", () => {
    expect(iou(box(10, 10, 20, 20), box(10, 10, 20, 20))).toBe(1);
    expect(iou(box(0, 0, 10, 10), box(20, 20, 10, 10))).toBe(0);
    expect(iou(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0); // shares an edge only
    // Half of a 10×10 overlaps half of another: intersection 50, union 150.
    expect(iou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(1 / 3, 12);
    // One inside the other: 25 / 100.
    expect(iou(box(0, 0, 10, 10), box(2, 2, 5, 5))).toBeCloseTo(0.25, 12);
    expect(iou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBe(iou(box(5, 0, 10, 10), box(0, 0, 10, 10)));
  });

  it("is 0 for zero-area boxes, even identical ones", () => {
    expect(iou(box(5, 5, 0, 0), box(5, 5, 0, 0))).toBe(0);
    expect(iou(box(5, 5, 0, 10), box(0, 0, 10, 10))).toBe(0);
  });
});

describe("clampBox", () => {
  it("limits a box to the image and says whether it changed, keeping its other fields", () => {
    expect(clampBox(box(10, 10, 20, 20, 3), 100, 100)).toEqual({ box: box(10, 10, 20, 20, 3), changed: false });
    expect(clampBox(box(-5, 90, 20, 20, 3), 100, 100)).toEqual({ box: box(0, 90, 15, 10, 3), changed: true });
    expect(clampBox(box(630, 470, 20, 20), 640, 480)).toEqual({ box: box(630, 470, 10, 10), changed: true });
    // Entirely outside: zero size on the nearest edge.
    expect(clampBox(box(700, 10, 20, 20), 640, 480)).toEqual({ box: box(640, 10, 0, 20), changed: true });
    expect(clampBox(box(-50, -50, 20, 20), 640, 480)).toEqual({ box: box(0, 0, 0, 0), changed: true });
    // A box exactly on the image border is unchanged.
    expect(clampBox(box(0, 0, 640, 480), 640, 480).changed).toBe(false);
  });
});

describe("consolidateBoxes", () => {
  it("merges overlapping boxes of 3 workers into their average, with confidence = share × mean IoU", () => {
    const responses: BoxResponse[] = [
      { workerId: "a", boxes: [box(100, 100, 50, 40, 1)] },
      { workerId: "b", boxes: [box(104, 98, 50, 44, 1)] },
      { workerId: "c", boxes: [box(96, 102, 52, 40, 1)] },
    ];
    const result = consolidateBoxes(responses);
    expect(result.workers).toBe(3);
    expect(result.dropped).toBe(0);
    expect(result.boxes).toHaveLength(1);
    const [merged] = result.boxes;
    // Mean of the edges: left (100+104+96)/3 = 100, top 100, right (150+154+148)/3 = 150.67, bottom (140+142+142)/3 = 141.33.
    expect(merged.left).toBeCloseTo(100, 10);
    expect(merged.top).toBeCloseTo(100, 10);
    expect(merged.width).toBeCloseTo(452 / 3 - 100, 10);
    expect(merged.height).toBeCloseTo(424 / 3 - 100, 10);
    expect(merged.classId).toBe(1);
    expect(merged.support).toBe(3);
    expect(merged.workerIds).toEqual(["a", "b", "c"]);
    expect(merged.classShare).toBe(1);
    const meanIou = responses.reduce((s, r) => s + iou(r.boxes[0], merged), 0) / 3;
    expect(merged.meanIou).toBeCloseTo(meanIou, 12);
    expect(merged.confidence).toBeCloseTo(meanIou, 12);
    expect(merged.confidence).toBeGreaterThan(0.8);
    expect(merged.confidence).toBeLessThanOrEqual(1);
  });

  it("drops a box only a minority drew, and keeps non-overlapping objects apart", () => {
    const result = consolidateBoxes([
      { workerId: "a", boxes: [box(0, 0, 100, 100), box(300, 300, 50, 50, 2), box(500, 10, 30, 30)] },
      { workerId: "b", boxes: [box(2, 2, 100, 100), box(302, 298, 50, 50, 2)] },
      { workerId: "c", boxes: [box(-2, 1, 100, 98), box(299, 301, 52, 50, 2)] },
    ]);
    expect(result.boxes.map((b) => [b.classId, b.support, Math.round(b.left), Math.round(b.top)])).toEqual(
      expect.arrayContaining([
        [0, 3, 0, 1],
        [2, 3, 300, 300],
      ]),
    );
    expect(result.boxes).toHaveLength(2);
    expect(result.dropped).toBe(1); // a's box at (500, 10)
  });

  it("counts workers who drew nothing, and keeps a box drawn by exactly half of them", () => {
    const drawnByTwo = [
      { workerId: "a", boxes: [box(0, 0, 10, 10)] },
      { workerId: "b", boxes: [box(0, 0, 10, 10)] },
    ];
    const ofFour = consolidateBoxes([...drawnByTwo, { workerId: "c", boxes: [] }, { workerId: "d", boxes: [] }]);
    expect(ofFour.boxes).toHaveLength(1);
    expect(ofFour.boxes[0].confidence).toBeCloseTo(0.5, 12);
    const ofFive = consolidateBoxes([...drawnByTwo, { workerId: "c", boxes: [] }, { workerId: "d", boxes: [] }, { workerId: "e", boxes: [] }]);
    expect(ofFive.boxes).toHaveLength(0);
    expect(ofFive.dropped).toBe(1);
    // A stricter support rule is an option.
    expect(consolidateBoxes([...drawnByTwo, { workerId: "c", boxes: [] }], { minSupport: 0.75 }).boxes).toHaveLength(0);
  });

  it("takes the class by majority within a cluster, ties to the lowest class", () => {
    const majority = consolidateBoxes([
      { workerId: "a", boxes: [box(0, 0, 50, 50, 3)] },
      { workerId: "b", boxes: [box(1, 1, 50, 50, 1)] },
      { workerId: "c", boxes: [box(2, 0, 50, 50, 3)] },
    ]);
    expect(majority.boxes[0].classId).toBe(3);
    expect(majority.boxes[0].classShare).toBeCloseTo(2 / 3, 12);
    const tie = consolidateBoxes([
      { workerId: "a", boxes: [box(0, 0, 50, 50, 3)] },
      { workerId: "b", boxes: [box(1, 1, 50, 50, 1)] },
    ]);
    expect(tie.boxes[0].classId).toBe(1);
  });

  it("never merges two boxes of one worker, so side-by-side objects stay two", () => {
    // Two heavily overlapping objects (IoU 0.6), each drawn by all three workers.
    const pair = (dx: number) => [box(0 + dx, 0, 100, 100), box(25 + dx, 0, 100, 100)];
    const result = consolidateBoxes([
      { workerId: "a", boxes: pair(0) },
      { workerId: "b", boxes: pair(1) },
      { workerId: "c", boxes: pair(-1) },
    ]);
    expect(result.boxes).toHaveLength(2);
    expect(result.boxes.map((b) => Math.round(b.left)).sort((x, y) => x - y)).toEqual([0, 25]);
    expect(result.boxes.every((b) => b.support === 3)).toBe(true);
  });

  it("does not match boxes below the IoU threshold", () => {
    // IoU 1/3: two different objects to the default threshold, one object at 0.3.
    const responses = [
      { workerId: "a", boxes: [box(0, 0, 10, 10)] },
      { workerId: "b", boxes: [box(5, 0, 10, 10)] },
    ];
    expect(consolidateBoxes(responses).boxes).toHaveLength(2);
    expect(consolidateBoxes(responses, { iouThreshold: 0.3 }).boxes).toHaveLength(1);
  });

  it("gives the same boxes whatever the order of workers and boxes", () => {
    const random = mulberry32(42);
    const objects = [box(10, 10, 80, 60, 0), box(200, 50, 40, 90, 1), box(400, 300, 120, 100, 2), box(120, 20, 70, 70, 0)];
    const responses: BoxResponse[] = ["a", "b", "c", "d", "e"].map((workerId) => ({
      workerId,
      boxes: objects
        .filter(() => random() < 0.75)
        .map((o) => box(o.left + (random() - 0.5) * 10, o.top + (random() - 0.5) * 10, o.width + (random() - 0.5) * 10, o.height + (random() - 0.5) * 10, o.classId)),
    }));
    const key = (r: ReturnType<typeof consolidateBoxes>) =>
      r.boxes.map((b) => `${b.classId}:${b.left.toFixed(6)},${b.top.toFixed(6)},${b.width.toFixed(6)},${b.height.toFixed(6)}:${b.support}`).sort();
    const forward = consolidateBoxes(responses);
    const backward = consolidateBoxes([...responses].reverse().map((r) => ({ ...r, boxes: [...r.boxes].reverse() })));
    expect(key(backward)).toEqual(key(forward));
    expect(forward.boxes.length).toBeGreaterThanOrEqual(3);
    for (const b of forward.boxes) {
      expect(b.confidence).toBeGreaterThan(0);
      expect(b.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("leaves zero-area boxes out and rejects malformed input", () => {
    const result = consolidateBoxes([{ workerId: "a", boxes: [box(5, 5, 0, 0), box(0, 0, 10, 10)] }]);
    expect(result.ignoredEmpty).toBe(1);
    expect(result.boxes).toHaveLength(1);
    expect(result.boxes[0].confidence).toBe(1); // one worker: the caller decides (SageMaker writes 0.00)
    expect(consolidateBoxes([])).toEqual({ boxes: [], workers: 0, dropped: 0, ignoredEmpty: 0 });
    expect(() => consolidateBoxes([{ workerId: "a", boxes: [box(0, 0, -1, 10)] }])).toThrow(/negative size/);
    expect(() => consolidateBoxes([{ workerId: "a", boxes: [box(Number.NaN, 0, 1, 10)] }])).toThrow(LabelingInputError);
    expect(() => consolidateBoxes([{ workerId: "a", boxes: [box(0, 0, 1, 1, 0.5)] }])).toThrow(/classId/);
    expect(() =>
      consolidateBoxes([
        { workerId: "a", boxes: [] },
        { workerId: "a", boxes: [] },
      ]),
    ).toThrow(/more than once/);
    expect(() => consolidateBoxes([], { iouThreshold: 0 })).toThrow(/iouThreshold/);
  });
});
