import { describe, expect, it } from "vitest";
import { parseColumns } from "@/components/models/upload-model-dialog";

describe("parseColumns", () => {
  it("reads one 'name type' per line, float by default, skipping blank lines", () => {
    expect(parseColumns("a float\n\n b:integer \nc, string\nd")).toEqual({
      columns: [
        { name: "a", type: "float" },
        { name: "b", type: "integer" },
        { name: "c", type: "string" },
        { name: "d", type: "float" },
      ],
      error: null,
    });
  });

  it("names the line it cannot read, and asks for at least one column", () => {
    expect(parseColumns("a float\nb double").error).toMatch(/^Line 2: .*integer, float, string, boolean/);
    expect(parseColumns("a float extra").error).toMatch(/^Line 1/);
    expect(parseColumns("  \n").error).toBe("Name at least one input column.");
  });
});
