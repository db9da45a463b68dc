// Zips of files for tests (written by Python's zipfile, on every machine that runs the studio: the
// studio itself only reads zips). No server code here: e2e specs use it too.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A zip of these files (name inside the zip → bytes), in name order. */
export function zipOf(files: Record<string, Buffer>): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zip-"));
  try {
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, "in", name)), { recursive: true });
      writeFileSync(path.join(dir, "in", name), bytes);
    }
    execFileSync("python3", ["-c", "import sys, zipfile, pathlib; root = pathlib.Path(sys.argv[1]); z = zipfile.ZipFile(sys.argv[2], 'w'); [z.write(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob('*')) if p.is_file()]; z.close()", path.join(dir, "in"), path.join(dir, "out.zip")]);
    return readFileSync(path.join(dir, "out.zip"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
