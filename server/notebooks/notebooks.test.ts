import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import type { Principal } from "@/server/auth/principal";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { createNotebookInput, listNotebooksQuery } from "@/server/notebooks/notebook-schemas";
import { createNotebook } from "@/server/notebooks/create-notebook";
import { listNotebooks } from "@/server/notebooks/list-notebooks";
import { getNotebook } from "@/server/notebooks/get-notebook";
import { updateNotebook } from "@/server/notebooks/update-notebook";
import { duplicateNotebook } from "@/server/notebooks/duplicate-notebook";
import { deleteNotebook, restoreNotebook, trashNotebook } from "@/server/notebooks/trash-notebook";
import { AUTO_CHECKPOINT_EVERY_MS, saveNotebook } from "@/server/notebooks/save-notebook";
import { createCheckpoint, diffCheckpoint, listCheckpoints, restoreCheckpoint } from "@/server/notebooks/checkpoints";
import { serializeIpynb, type Notebook } from "@/lib/nbformat";
import { listRecentNotebooks } from "@/server/notebooks/list-recent-notebooks";

const db = setupTestDb();
const fixture = readFileSync(path.resolve("test/fixtures/real-world.ipynb"), "utf8");

async function projectWith(...roles: ("data_scientist" | "viewer" | "labeler")[]) {
  const { principal: owner } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `P ${Math.random().toString(36).slice(2, 8)}`, description: "" }, owner);
  const members: Principal[] = [];
  for (const role of roles) {
    const { principal } = await makePrincipal(db, role);
    await setProjectMember(db, project.id, { userId: principal.id, role }, owner);
    members.push(principal);
  }
  return { project, owner, members };
}

const input = (v: Record<string, unknown>) => createNotebookInput.parse(v);
const withSource = (nb: Notebook, i: number, source: string): Notebook => ({ ...nb, cells: nb.cells.map((c, j) => (j === i ? { ...c, source } : c)) });

describe("notebooks as documents", () => {
  it("creates an empty notebook and imports a real .ipynb, keeping its content", async () => {
    const { project, owner } = await projectWith();
    const empty = await createNotebook(db, project.id, input({ name: "Scratch.ipynb" }), owner);
    expect(empty).toMatchObject({ name: "Scratch", version: 1, trashedAt: null });
    expect(empty.content.cells).toHaveLength(1);

    const imported = await createNotebook(db, project.id, input({ name: "Churn EDA", ipynb: fixture }), owner);
    expect(imported.content.cells).toHaveLength(7);
    expect(imported.content.metadata.custom_team_field).toEqual({ owner: "dana", tags: ["churn", "q3"] });
    // What is stored exports to the same file content (plus cell ids).
    const original = JSON.parse(fixture);
    const exported = JSON.parse(serializeIpynb((await getNotebook(db, imported.id, owner)).content));
    expect(exported.cells.map(({ id: _id, ...rest }: { id: string }) => rest)).toEqual(original.cells);
  });

  it("names what is wrong with a bad import and saves nothing", async () => {
    const { project, owner } = await projectWith();
    const error = await expectAppError(createNotebook(db, project.id, input({ name: "Bad", ipynb: "{ nope" }), owner), "validation_failed");
    expect(error.message).toMatch(/not valid JSON/);
    const shape = await expectAppError(
      createNotebook(db, project.id, input({ name: "Bad", ipynb: JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "sql", source: "" }] }) }), owner),
      "validation_failed",
    );
    expect(shape.issues?.[0].path).toBe("ipynb.cells.0.cell_type");
    expect(await db.notebook.count()).toBe(0);
    expect(createNotebookInput.safeParse({ name: "a/b" }).success).toBe(false);
  });

  it("lets data scientists write, viewers only read, and hides notebooks from non-members", async () => {
    const { project, owner, members } = await projectWith("viewer", "labeler");
    const [viewer, labeler] = members;
    const nb = await createNotebook(db, project.id, input({ name: "N" }), owner);
    expect((await getNotebook(db, nb.id, viewer)).name).toBe("N");
    await expectAppError(createNotebook(db, project.id, input({ name: "V" }), viewer), "forbidden");
    await expectAppError(saveNotebook(db, nb.id, { content: nb.content, baseVersion: 1 }, viewer), "forbidden");
    await expectAppError(getNotebook(db, nb.id, labeler), "forbidden");
    const { principal: outsider } = await makePrincipal(db, "data_scientist");
    await expectAppError(getNotebook(db, nb.id, outsider), "not_found");
    await expectAppError(listNotebooks(db, project.id, listNotebooksQuery.parse({}), outsider), "not_found");
  });

  it("renames, searches case-insensitively, duplicates, trashes, restores and deletes", async () => {
    const { project, owner } = await projectWith();
    const a = await createNotebook(db, project.id, input({ name: "Feature Engineering" }), owner);
    await createNotebook(db, project.id, input({ name: "Training" }), owner);
    await expectAppError(createNotebook(db, project.id, input({ name: "Training" }), owner), "conflict");
    await expectAppError(updateNotebook(db, a.id, { name: "Training" }, owner), "conflict");
    await updateNotebook(db, a.id, { name: "Features" }, owner);

    const search = (q?: string, trashed = "false") => listNotebooks(db, project.id, listNotebooksQuery.parse({ q, trashed }), owner).then((l) => l.map((n) => n.name).sort());
    expect(await search("FEAT")).toEqual(["Features"]);

    const copy = await duplicateNotebook(db, a.id, owner);
    const copy2 = await duplicateNotebook(db, a.id, owner);
    expect([copy.name, copy2.name]).toEqual(["Features (copy)", "Features (copy 2)"]);

    await expectAppError(deleteNotebook(db, a.id, owner), "conflict");
    await trashNotebook(db, a.id, owner);
    expect(await search()).toEqual(["Features (copy 2)", "Features (copy)", "Training"]);
    expect(await search(undefined, "true")).toEqual(["Features"]);
    await expectAppError(saveNotebook(db, a.id, { content: a.content, baseVersion: 1 }, owner), "conflict");

    // The name was taken meanwhile: restore under a new one.
    await createNotebook(db, project.id, input({ name: "Features" }), owner);
    expect((await restoreNotebook(db, a.id, owner)).name).toBe("Features (restored)");
    await trashNotebook(db, a.id, owner);
    await deleteNotebook(db, a.id, owner);
    await expectAppError(getNotebook(db, a.id, owner), "not_found");
  });

  it("refuses a save on top of a version saved elsewhere, and keeps what was saved", async () => {
    const { project, owner } = await projectWith();
    const nb = await createNotebook(db, project.id, input({ name: "Shared" }), owner);
    const tabA = withSource(nb.content, 0, "print('from tab A')");
    const tabB = withSource(nb.content, 0, "print('from tab B')");
    expect((await saveNotebook(db, nb.id, { content: tabA, baseVersion: 1 }, owner)).version).toBe(2);
    const conflict = await expectAppError(saveNotebook(db, nb.id, { content: tabB, baseVersion: 1 }, owner), "conflict");
    expect(conflict.message).toMatch(/version 2/);
    expect((await getNotebook(db, nb.id, owner)).content.cells[0].source).toBe("print('from tab A')");

    const invalid = await expectAppError(saveNotebook(db, nb.id, { content: { nbformat: 4, cells: "no" }, baseVersion: 2 }, owner), "validation_failed");
    expect(invalid.issues?.map((i) => i.path)).toContain("content.cells");
    expect((await getNotebook(db, nb.id, owner)).version).toBe(2);
  });

  it("keeps automatic checkpoints at most every 10 minutes, plus manual ones, and restores any of them", async () => {
    const { project, owner } = await projectWith();
    const nb = await createNotebook(db, project.id, input({ name: "History" }), owner);
    // Saves are dated in the past so the manual checkpoint below (dated now) is the newest.
    const t0 = new Date(Date.now() - 2 * AUTO_CHECKPOINT_EVERY_MS);
    const v2 = withSource(nb.content, 0, "x = 1\ny = 2");
    expect((await saveNotebook(db, nb.id, { content: v2, baseVersion: 1 }, owner, t0)).checkpointed).toBe(true);
    const v3 = withSource(nb.content, 0, "x = 1\ny = 3");
    expect((await saveNotebook(db, nb.id, { content: v3, baseVersion: 2 }, owner, new Date(t0.getTime() + 60_000))).checkpointed).toBe(false);
    const later = new Date(t0.getTime() + AUTO_CHECKPOINT_EVERY_MS + 1);
    const v4 = { ...v3, cells: [...v3.cells, { cell_type: "markdown" as const, id: "notes", source: "# Notes", metadata: {} }] };
    expect((await saveNotebook(db, nb.id, { content: v4, baseVersion: 3 }, owner, later)).checkpointed).toBe(true);
    const manual = await createCheckpoint(db, nb.id, "before refactor", owner);

    const history = await listCheckpoints(db, nb.id, owner);
    expect(history.map((c) => [c.kind, c.version])).toEqual([
      ["manual", 4],
      ["auto", 3],
      ["auto", 1],
    ]);
    expect(manual.label).toBe("before refactor");

    // Diff of version 1 (the empty notebook) against the current one.
    const first = history[2];
    const diff = await diffCheckpoint(db, nb.id, first.id, owner);
    expect(diff.counts).toMatchObject({ added: 1, modified: 1, removed: 0 });
    const changed = diff.cells.find((c) => c.status === "modified")!;
    expect(changed.lines?.filter((l) => l.kind === "added").map((l) => l.text)).toEqual(["x = 1", "y = 3"]);

    const restored = await restoreCheckpoint(db, nb.id, first.id, owner);
    expect(restored.version).toBe(5);
    expect(restored.content.cells).toHaveLength(1);
    expect(restored.content.cells[0].source).toBe("");
    const after = await listCheckpoints(db, nb.id, owner);
    expect(after[0]).toMatchObject({ kind: "before_restore", version: 4 });
    // A checkpoint of another notebook is not reachable through this one.
    const other = await createNotebook(db, project.id, input({ name: "Other" }), owner);
    await expectAppError(restoreCheckpoint(db, other.id, first.id, owner), "not_found");
  });

  it("checks the chosen host and kernel spec", async () => {
    const { project, owner } = await projectWith();
    const host = await db.computeHost.create({
      data: { name: "gpu-1", url: "http://gpu-1:8888", kernelSpecs: [{ name: "python3", displayName: "Python 3", language: "python" }] },
    });
    await expectAppError(createNotebook(db, project.id, input({ name: "A", hostId: "nohost000" }), owner), "validation_failed");
    const bad = await expectAppError(createNotebook(db, project.id, input({ name: "A", hostId: host.id, kernelName: "ir" }), owner), "validation_failed");
    expect(bad.message).toMatch(/offers python3/);
    const ok = await createNotebook(db, project.id, input({ name: "A", hostId: host.id, kernelName: "python3" }), owner);
    expect(ok).toMatchObject({ hostId: host.id, kernelName: "python3" });
    // Removing the host keeps the notebook, which falls back to the default host.
    await db.computeHost.delete({ where: { id: host.id } });
    expect((await getNotebook(db, ok.id, owner)).hostId).toBeNull();
  });
});

describe("listRecentNotebooks", () => {
  it("lists live notebooks of the caller's projects where their role may read them, newest first", async () => {
    const { project, owner, members } = await projectWith("viewer", "labeler");
    const [viewer, labeler] = members;
    const first = await createNotebook(db, project.id, input({ name: "First" }), owner);
    const second = await createNotebook(db, project.id, input({ name: "Second" }), owner);
    await saveNotebook(db, first.id, { content: first.content, baseVersion: 1 }, owner);
    const gone = await createNotebook(db, project.id, input({ name: "Gone" }), owner);
    await trashNotebook(db, gone.id, owner);
    const other = await projectWith();
    await createNotebook(db, other.project.id, input({ name: "Elsewhere" }), other.owner);

    const names = async (p: Principal, q?: string) => (await listRecentNotebooks(db, p, q)).map((n) => n.name);
    expect(await names(owner)).toEqual(["First", "Second"]);
    expect((await listRecentNotebooks(db, owner))[0].projectName).toBe(project.name);
    expect(await names(viewer)).toEqual(["First", "Second"]);
    expect(await names(labeler)).toEqual([]);
    expect(await names(owner, "SEC")).toEqual(["Second"]);
    const { principal: admin } = await makePrincipal(db, "admin");
    expect((await names(admin)).sort()).toEqual(["Elsewhere", "First", "Second"]);
    expect(second.name).toBe("Second");
  });
});
