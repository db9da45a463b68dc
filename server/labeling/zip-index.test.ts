import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { zipOf } from "@/test/labeling";
import { zipFileBytes } from "@/server/labeling/zip-index";

const dir = mkdtempSync(path.join(os.tmpdir(), "zip-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("zipFileBytes", () => {
  it("reads files by name from more zips than it keeps open, also at the same time", async () => {
    const files = Array.from({ length: 7 }, (_, z) => {
      const file = path.join(dir, `z${z}.zip`);
      writeFileSync(file, zipOf(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`images/${i}.bin`, Buffer.from(`zip ${z} file ${i} `.repeat(i + 1))]))));
      return file;
    });
    const reads = files.flatMap((file, z) => [0, 7, 29].map(async (i) => ({ z, i, bytes: await zipFileBytes(file, `images/${i}.bin`) })));
    for (const { z, i, bytes } of await Promise.all(reads)) expect(bytes?.toString()).toBe(`zip ${z} file ${i} `.repeat(i + 1));
    // Round and round: evicted zips open again.
    for (let round = 0; round < 3; round++) for (const [z, file] of files.entries()) expect((await zipFileBytes(file, "images/3.bin"))?.toString()).toBe(`zip ${z} file 3 `.repeat(4));
    expect(await zipFileBytes(files[0], "images/nope.bin")).toBeNull();
    await expect(zipFileBytes(path.join(dir, "missing.zip"), "a")).rejects.toThrow();
  });
});
