// Labeling test helpers: a project with labelers, a dataset upload read by the worker's step, zips
// of files (written by Python's zipfile: the studio itself only reads zips).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import type { Principal } from "@/server/auth/principal";
import { makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";

/** A project of a data scientist with `labelers` labelers. */
export async function labelingProject(db: Db, labelers: number) {
  const { principal: manager } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `L ${Math.random().toString(36).slice(2, 8)}`, description: "" }, manager);
  const workers: Principal[] = [];
  for (let i = 0; i < labelers; i++) {
    const { principal } = await makePrincipal(db, "labeler");
    await setProjectMember(db, project.id, { userId: principal.id, role: "labeler" }, manager);
    workers.push(principal);
  }
  return { manager, project, workers };
}

/** Uploads a dataset version and lets the worker validate it. */
export async function uploadDataset(db: Db, store: ArtifactStore, manager: Principal, projectId: string, filename: string, body: string | Buffer) {
  const { version } = await uploadDatasetVersion(db, store, projectId, { name: filename.split(".")[0], filename }, Readable.from([Buffer.from(body)]), manager);
  await processPendingDatasetVersions(db, store, 10);
  return version;
}

/** A zip of these files. */
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
