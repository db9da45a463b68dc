import { describe, expect, it } from "vitest";
import { endpointName, exampleRecord } from "@/lib/endpoints";

describe("endpoints", () => {
  it("builds an example record that fits the columns, in order", () => {
    expect(exampleRecord([{ name: "tenure", type: "integer" }, { name: "spend", type: "float" }, { name: "plan", type: "string" }, { name: "ok", type: "boolean" }])).toBe("1,0.5,a,true");
    expect(exampleRecord([])).toBe("");
  });

  it("takes SageMaker's endpoint names only (they are part of the URL)", () => {
    expect(endpointName.safeParse("churn-v1").success).toBe(true);
    for (const bad of ["-churn", "churn-", "churn_v1", "churn v1", "a".repeat(64), ""]) expect(endpointName.safeParse(bad).success).toBe(false);
  });
});
