import { describe, expect, it } from "vitest";
import { answerKind, createLabelingJobInput, manifestType } from "@/lib/labeling/tasks";

const base = { name: "job", datasetVersionId: "v1", labels: [{ name: "cat" }, { name: "dog" }], workerIds: ["u1"] };

describe("createLabelingJobInput", () => {
  it("takes every task type, text tasks with their text field", () => {
    expect(createLabelingJobInput.safeParse({ ...base, taskType: "bounding-box" }).success).toBe(true);
    expect(createLabelingJobInput.safeParse({ ...base, taskType: "named-entity-recognition", textField: "bio" }).success).toBe(true);
    const noField = createLabelingJobInput.safeParse({ ...base, taskType: "named-entity-recognition" });
    expect(noField.error?.issues[0]).toMatchObject({ path: ["textField"], message: expect.stringContaining("is required for a text task") });
  });

  it("checks examples: written, and labeled with one of the job's labels", () => {
    const parsed = createLabelingJobInput.safeParse({ ...base, taskType: "image-classification", examples: { good: [{ text: "a tabby on a sofa", label: "cat", why: "" }], bad: [{ text: " ", label: "horse", why: "" }] } });
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["examples.bad.0.text", "is empty: write the example or remove it"],
      ["examples.bad.0.label", "is not one of the job's labels (cat, dog)"],
    ]);
  });

  it("names each task's answer and manifest type as SageMaker does", () => {
    expect([answerKind("image-classification"), answerKind("text-classification-multilabel"), answerKind("bounding-box"), answerKind("named-entity-recognition")]).toEqual(["label", "labels", "boxes", "spans"]);
    expect(manifestType["named-entity-recognition"]).toBe("groundtruth/text-span");
    expect(manifestType["bounding-box"]).toBe("groundtruth/object-detection");
  });
});
