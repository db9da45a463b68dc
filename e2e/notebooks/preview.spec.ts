import path from "node:path";
import { expect, test } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";

test("import a notebook in the project page, preview it, rename, duplicate, trash and restore", async ({ page }) => {
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Preview e2e ${Date.now()}` } })).json();
  await ds.dispose();

  await signInPage(page, people.dataScientist);
  await page.goto(`/projects/${project.id}`);
  const panel = page.getByRole("region", { name: "Notebooks" });
  await expect(panel.getByText("No notebooks yet")).toBeVisible();
  await panel.getByLabel("Import notebook file").setInputFiles(path.resolve("test/fixtures/real-world.ipynb"));
  const row = panel.getByRole("row", { name: /real-world/ });
  await expect(row).toBeVisible();

  // The Notebooks page in the left rail lists it too, with its project.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notebooks" }).click();
  const recent = page.getByRole("table", { name: "Recent notebooks" }).getByRole("row").filter({ hasText: project.name });
  await expect(recent.getByRole("link", { name: "real-world" })).toBeVisible();
  await page.goto(`/projects/${project.id}`);
  await row.getByRole("link", { name: "real-world" }).click();
  const notebook = page.getByRole("region", { name: "Notebook real-world" });
  await expect(notebook.getByRole("heading", { name: "Churn exploration" })).toBeVisible();
  // LaTeX is typeset by the bundled KaTeX (no CDN).
  await expect(notebook.locator(".katex").first()).toContainText("α");
  // The markdown cell's image comes from the cell's own attachments.
  await expect(notebook.getByRole("img", { name: "logo" })).toHaveAttribute("src", /^data:image\/png;base64,/);
  await expect(notebook.getByText("line 0")).toBeVisible();
  await expect(notebook.getByText("ZeroDivisionError").first()).toBeVisible();
  await expect(notebook.getByRole("img", { name: "Image output" }).first()).toBeVisible();
  await expect(notebook.locator("iframe[title='HTML output']").first()).toBeVisible();
  // display(JSON({'k': [1, 2]})) as a collapsible tree.
  const json = notebook.getByLabel("JSON output");
  await expect(json).toContainText("Array(2)");
  await expect(json.getByText("0:")).toBeVisible();
  await json.getByText("k:").click();
  await expect(json.getByText("0:")).toBeHidden();
  await page.screenshot({ path: test.info().outputPath("notebook-preview.png"), fullPage: true });

  await page.goto(`/projects/${project.id}`);
  await row.getByRole("button", { name: "Rename" }).click();
  const dialog = page.getByRole("dialog", { name: "Rename real-world" });
  await dialog.getByLabel("Name").fill("Churn EDA");
  await dialog.getByRole("button", { name: "Rename" }).click();
  const renamed = panel.getByRole("row").filter({ has: page.getByRole("link", { name: "Churn EDA", exact: true }) });
  await expect(renamed).toBeVisible();
  await renamed.getByRole("button", { name: "Duplicate" }).click();
  await expect(panel.getByRole("row", { name: /Churn EDA \(copy\)/ })).toBeVisible();
  await renamed.getByRole("button", { name: "Move to trash" }).click();
  await expect(panel.getByRole("link", { name: "Churn EDA", exact: true })).toHaveCount(0);
  await panel.getByRole("button", { name: "Trash", exact: true }).click();
  await panel.getByRole("row", { name: /Churn EDA/ }).getByRole("button", { name: "Restore" }).click();
  await panel.getByRole("button", { name: "Notebooks", exact: true }).click();
  await expect(panel.getByRole("link", { name: "Churn EDA", exact: true })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("notebooks-panel.png"), fullPage: true });
});

test("untrusted HTML in notebooks and outputs runs nothing in the studio", async ({ page }) => {
  const evil = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", id: "md", metadata: {}, source: 'Hi <img src=x onerror="window.__pwned=\'markdown\'"> [click](javascript:window.__pwned=1) <script>window.__pwned="md-script"</script>' },
      {
        cell_type: "code",
        id: "out",
        metadata: {},
        execution_count: 1,
        source: "evil()",
        outputs: [
          { output_type: "display_data", metadata: {}, data: { "text/html": '<b id="rendered">bold</b><script>parent.__pwned="script"</script><img src=x onerror="parent.__pwned=\'onerror\'">' } },
          { output_type: "display_data", metadata: {}, data: { "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="parent.__pwned=\'svg\'"><script>parent.__pwned="svg-script"</script><rect width="10" height="10"/></svg>' } },
          { output_type: "stream", name: "stdout", text: '<img src=x onerror="window.__pwned=\'stream\'">\n' },
        ],
      },
    ],
  };
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `XSS e2e ${Date.now()}` } })).json();
  const nb = await (await ds.post(`/api/projects/${project.id}/notebooks`, { data: { name: "evil", ipynb: JSON.stringify(evil) } })).json();
  await ds.dispose();

  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signInPage(page, people.dataScientist);
  await page.goto(`/notebooks/${nb.id}`);
  const frame = page.frameLocator("iframe[title='HTML output']");
  // The HTML itself is shown...
  await expect(frame.locator("#rendered")).toHaveText("bold");
  // ...and the stream shows the markup as text.
  await expect(page.getByText('<img src=x onerror="window.__pwned=\'stream\'">')).toBeVisible();
  await expect(page.locator("iframe[title='HTML output']")).toHaveAttribute("sandbox", "allow-same-origin");
  await expect(page.getByRole("img", { name: "SVG output" })).toBeVisible();
  // Give any handler every chance to have run before checking that none did.
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await expect(page.locator("a[href^='javascript:']")).toHaveCount(0);
});
