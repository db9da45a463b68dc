// Notebooks as documents through the HTTP API (the editor UI comes later): import a real .ipynb,
// export it and let Python's nbformat judge it; versions, conflicts and permissions.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { apiAs, people } from "../fixtures/studio";

const fixture = readFileSync(path.resolve("test/fixtures/real-world.ipynb"), "utf8");

test("import a real-world .ipynb, export it, and nbformat.validate accepts the export", async () => {
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Notebook docs e2e ${Date.now()}` } })).json();
  const res = await ds.post(`/api/projects/${project.id}/notebooks`, { data: { name: "churn-eda.ipynb", ipynb: fixture } });
  expect(res.status()).toBe(201);
  const notebook = await res.json();
  expect(notebook).toMatchObject({ name: "churn-eda", version: 1 });

  const exported = await ds.get(`/api/notebooks/${notebook.id}/export`);
  expect(exported.status()).toBe(200);
  expect(exported.headers()["content-type"]).toContain("application/x-ipynb+json");
  expect(exported.headers()["content-disposition"]).toContain('filename="churn-eda.ipynb"');
  const text = await exported.text();
  const verdict = spawnSync(path.resolve("kernels/.venv/bin/python"), ["-c", "import nbformat, sys; nb = nbformat.reads(sys.stdin.read(), as_version=4); nbformat.validate(nb); print(nb.nbformat_minor, len(nb.cells))"], {
    input: text,
    encoding: "utf8",
  });
  expect(verdict.stderr).toBe("");
  expect(verdict.stdout.trim()).toBe("5 7");

  // Saving needs the version it started from; a stale one gets 409 and changes nothing.
  const doc = await (await ds.get(`/api/notebooks/${notebook.id}`)).json();
  doc.content.cells[1].source = "df.describe()";
  const saved = await ds.put(`/api/notebooks/${notebook.id}/content`, { data: { content: doc.content, baseVersion: 1 } });
  expect(saved.status()).toBe(200);
  expect((await saved.json()).version).toBe(2);
  const stale = await ds.put(`/api/notebooks/${notebook.id}/content`, { data: { content: doc.content, baseVersion: 1 } });
  expect(stale.status()).toBe(409);
  expect((await stale.json()).error.message).toContain("saved elsewhere");

  const history = await (await ds.get(`/api/notebooks/${notebook.id}/checkpoints`)).json();
  expect(history).toHaveLength(1);
  const diff = await (await ds.get(`/api/notebooks/${notebook.id}/checkpoints/${history[0].id}/diff`)).json();
  expect(diff.counts).toMatchObject({ modified: 1, added: 0, removed: 0 });

  // A labeler's role has no notebook access at all: 403, not data (issue #2's rule).
  const labeler = await apiAs(people.labeler);
  expect((await labeler.get(`/api/notebooks/${notebook.id}`)).status()).toBe(403);
  expect((await labeler.post(`/api/projects/${project.id}/notebooks`, { data: { name: "x" } })).status()).toBe(403);
  // A viewer may read notebooks, but is no member of this project: for them it does not exist.
  const viewer = await apiAs(people.viewer);
  expect((await viewer.get(`/api/notebooks/${notebook.id}`)).status()).toBe(404);
  expect((await viewer.get(`/api/projects/${project.id}/notebooks`)).status()).toBe(404);
  await Promise.all([ds.dispose(), labeler.dispose(), viewer.dispose()]);
});
