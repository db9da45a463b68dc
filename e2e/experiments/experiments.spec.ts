// Experiments in Chromium against a real studio: runs logged through the SDK's API with a personal
// token (params, metric curves including NaN, artifacts), the runs table sorts and filters, a run's
// page draws its curves and marks NaN, two runs compare (curves, parallel coordinates, scatter),
// and a viewer of the project reads it all without edit controls.
import { expect, request, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiAs, baseURL, people, signInPage } from "../fixtures/studio";

type Metric = { key: string; value: number | "NaN" | "Infinity" | "-Infinity"; step: number; timestamp: number };

async function logRun(
  sdk: APIRequestContext,
  projectId: string,
  spec: { name: string; params: Record<string, string>; metrics: Metric[]; status?: "completed" | "failed"; artifacts?: Record<string, string> },
) {
  const created = await sdk.post(`/api/projects/${projectId}/runs`, { data: { experiment: "e2e-classifier", name: spec.name, source: "sdk" } });
  expect(created.status(), await created.text()).toBe(201);
  const { run } = await created.json();
  const batch = await sdk.post(`/api/runs/${run.id}/batch`, {
    data: { source: `e2e-${spec.name}`, seq: 0, metrics: spec.metrics, params: Object.entries(spec.params).map(([key, value]) => ({ key, value })), tags: [{ key: "team", value: "vision" }] },
  });
  expect(batch.status(), await batch.text()).toBe(200);
  for (const [path, content] of Object.entries(spec.artifacts ?? {})) {
    const put = await sdk.put(`/api/runs/${run.id}/artifacts?path=${encodeURIComponent(path)}`, { data: Buffer.from(content), headers: { "Content-Type": "application/octet-stream" } });
    expect(put.status(), await put.text()).toBeLessThan(300);
  }
  if (spec.status) expect((await sdk.patch(`/api/runs/${run.id}`, { data: { status: spec.status } })).status()).toBe(200);
  return run.id as string;
}

function curve(key: string, n: number, f: (i: number) => number | "NaN"): Metric[] {
  const t0 = Date.now() - n * 1000;
  return Array.from({ length: n }, (_, i) => ({ key, value: f(i), step: i, timestamp: t0 + i * 1000 }));
}

const rowNames = async (page: Page) =>
  page
    .getByRole("table", { name: "Runs" })
    .getByRole("row")
    .filter({ has: page.getByRole("cell") })
    .evaluateAll((rows) => rows.map((r) => r.querySelectorAll('[role="cell"]')[2]?.textContent?.trim() ?? ""));

test("log runs through the API, sort and filter them, open one, compare two; a viewer reads", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Experiments e2e ${Date.now()}` } })).json();
  const directory: { id: string; email: string }[] = await (await ds.get("/api/users/directory")).json();
  const viewerId = directory.find((u) => u.email === people.viewer.email)!.id;
  expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: viewerId, role: "viewer" } })).status()).toBe(200);
  const { token } = await (await ds.post("/api/tokens", { data: { name: `experiments e2e ${Date.now()}` } })).json();
  await ds.dispose();
  const sdk = await request.newContext({ baseURL: baseURL(), extraHTTPHeaders: { Authorization: `Bearer ${token}` } });

  const runA = await logRun(sdk, project.id, {
    name: "run-a",
    params: { lr: "0.1", optimizer: "adam", batch_size: "32" },
    metrics: [...curve("loss", 300, (i) => 2 * Math.exp(-i / 60) + 0.05 * Math.sin(i / 5)), ...curve("accuracy", 30, (i) => 0.5 + (0.45 * i) / 29)],
    status: "completed",
    artifacts: { "model/model.joblib": "x".repeat(2048), "model/studio-model.json": '{"flavor":"sklearn"}', "confusion.csv": "a,b\n1,2\n" },
  });
  await logRun(sdk, project.id, {
    name: "run-b",
    params: { lr: "0.01", optimizer: "sgd", batch_size: "64" },
    metrics: [...curve("loss", 300, (i) => 2.2 * Math.exp(-i / 120)), ...curve("accuracy", 30, (i) => 0.4 + (0.45 * i) / 29)],
    status: "failed",
  });
  const runC = await logRun(sdk, project.id, {
    name: "run-c",
    params: { lr: "0.1", optimizer: "sgd", batch_size: "64" },
    metrics: [
      ...curve("loss", 300, (i) => (i === 50 ? "NaN" : 1.8 * Math.exp(-i / 80))),
      ...curve("accuracy", 30, (i) => 0.45 + (0.47 * i) / 29),
      ...curve("val_loss", 10, (i) => (i === 9 ? "NaN" : 1 / (i + 1))),
    ],
    status: "completed",
  });
  await logRun(sdk, project.id, { name: "run-d", params: { lr: "0.001" }, metrics: curve("loss", 20, (i) => 3 - i / 10) });
  // A viewer's token logs nothing.
  await sdk.dispose();

  // ——— The experiments list and the runs table ———
  await signInPage(page, people.dataScientist);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Experiments" }).click();
  await page.getByLabel("Search experiments").fill("e2e-class");
  const listed = page.getByRole("table", { name: "Experiments" }).getByRole("row").filter({ hasText: project.name });
  await expect(listed).toContainText("4");
  await listed.getByRole("link", { name: "e2e-classifier" }).click();

  const table = page.getByRole("table", { name: "Runs" });
  await expect(table.getByRole("row")).toHaveCount(5);
  await expect(table.getByRole("columnheader", { name: /accuracy/ })).toBeVisible();
  await expect(table.getByRole("row", { name: /run-c/ })).toContainText("NaN");
  // Sorting by a metric: numbers descending, a run without it last.
  await table.getByRole("columnheader", { name: /accuracy/ }).getByRole("button").click();
  await expect(table.getByRole("columnheader", { name: /accuracy/ })).toHaveAttribute("aria-sort", "descending");
  expect(await rowNames(page)).toEqual(["run-a", "run-c", "run-b", "run-d"]);
  await table.getByRole("columnheader", { name: /accuracy/ }).getByRole("button").click();
  expect(await rowNames(page)).toEqual(["run-b", "run-c", "run-a", "run-d"]);
  // Filtering: an expression, a parse error said inline, free text, status.
  const filter = page.getByLabel("Filter runs");
  await filter.fill("metrics.accuracy > 0.9 and params.lr = 0.1");
  await expect(page.getByTestId("runs-count")).toHaveText("2 of 4 runs");
  expect((await rowNames(page)).sort()).toEqual(["run-a", "run-c"]);
  await filter.fill("metrics.accuracy >");
  await expect(page.getByText('Expected a value after ">"')).toBeVisible();
  await filter.fill("adam");
  await expect(page.getByTestId("runs-count")).toHaveText("1 of 4 runs");
  await filter.fill("");
  await page.getByLabel("Status").selectOption("failed");
  expect(await rowNames(page)).toEqual(["run-b"]);
  await page.getByLabel("Status").selectOption("");
  await expect(page.getByTestId("runs-count")).toHaveText("4 runs");
  await page.screenshot({ path: "test-results/experiments-runs.png" });

  // ——— A run: header, charts with NaN marked, summary, artifacts ———
  await table.getByRole("row", { name: /run-c/ }).getByRole("cell").nth(3).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${runC}$`));
  await expect(page.getByRole("heading", { name: "run-c" })).toBeVisible();
  await expect(page.getByRole("main").getByText("Dana Scientist")).toBeVisible();
  const lossChart = page.getByTestId("metric-chart").filter({ hasText: "loss" }).filter({ hasNotText: "val_loss" });
  await expect(lossChart.locator("[data-series]")).toHaveCount(1);
  await expect(lossChart.getByTestId("non-finite")).toContainText("NaN at step 50");
  await expect(page.getByRole("table", { name: "Metrics" }).getByRole("row", { name: /val_loss/ })).toContainText("NaN");
  await expect(page.getByRole("table", { name: "Params" })).toContainText("optimizer");
  await page.screenshot({ path: "test-results/run-detail.png", fullPage: true });

  await page.goto(`/runs/${runA}`);
  const artifacts = page.getByRole("table", { name: "Artifacts" });
  await expect(artifacts.getByRole("row", { name: /^model\/ / })).toContainText("2 files");
  await expect(artifacts.getByRole("row", { name: /model\.joblib/ })).toContainText("2.0 KiB");
  const href = await artifacts.getByRole("link", { name: "Download model/model.joblib" }).getAttribute("href");
  expect((await page.request.get(href!)).status()).toBe(200);
  await artifacts.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/run-artifacts.png" });
  // Zoom: drag across the loss chart → that step range, fetched again from the server.
  const chart = page.getByTestId("metric-chart").filter({ hasText: /^loss/ }).first();
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.getByTestId("chart-overlay").boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(chart).toHaveAttribute("data-range", /^\d+-\d+$/);
  await expect(chart).toHaveAttribute("data-state", "ready");
  await chart.getByTestId("chart-overlay").dblclick();
  await expect(chart).toHaveAttribute("data-range", "all");

  // ——— Compare two runs ———
  await page.getByRole("link", { name: "e2e-classifier" }).first().click();
  await table.getByRole("checkbox", { name: "Select run-a" }).check();
  await table.getByRole("checkbox", { name: "Select run-c" }).check();
  await page.getByRole("button", { name: "Compare (2)" }).click();
  await expect(page.getByRole("heading", { name: "Compare 2 runs" })).toBeVisible();
  const curves = page.getByRole("region", { name: "Metric curves" });
  await expect(curves.getByTestId("metric-chart")).toHaveCount(3);
  await expect(curves.getByTestId("metric-chart").filter({ hasText: /^loss/ }).locator("[data-series]")).toHaveCount(2);
  await expect(curves.getByTestId("metric-chart").filter({ hasText: /^val_loss/ })).toContainText("Not logged by run-a");
  await expect(page.getByTestId("parallel-coordinates").locator("path[data-run]")).toHaveCount(2);
  await expect(page.getByTestId("param-scatter").locator(".recharts-scatter-symbol")).toHaveCount(2);
  await page.screenshot({ path: "test-results/compare.png", fullPage: true });
  // Hiding a run from the legend removes its lines everywhere.
  await page.getByRole("list", { name: "Runs compared" }).getByRole("button", { name: "run-a" }).click();
  await expect(curves.getByTestId("metric-chart").filter({ hasText: /^loss/ }).locator("[data-series]")).toHaveCount(1);
  await page.getByRole("list", { name: "Runs compared" }).getByRole("button", { name: "run-a" }).click();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "test-results/compare-dark.png", fullPage: true });
  await page.goto(`/runs/${runC}`);
  await expect(page.locator("[data-series]").first()).toBeVisible();
  await page.screenshot({ path: "test-results/run-detail-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });

  // The project page lists the experiment.
  await page.goto(`/projects/${project.id}`);
  await expect(page.getByRole("table", { name: "Project experiments" }).getByRole("row", { name: /e2e-classifier/ })).toContainText("4");

  // ——— A viewer of the project reads runs, and can change nothing ———
  const viewerContext = await browser.newContext();
  const viewerPage = await viewerContext.newPage();
  await signInPage(viewerPage, people.viewer);
  await viewerPage.goto(`/runs/${runC}`);
  await expect(viewerPage.getByRole("heading", { name: "run-c" })).toBeVisible();
  await expect(viewerPage.getByTestId("metric-chart").first().locator("[data-series]")).toHaveCount(1);
  await expect(viewerPage.getByRole("button", { name: /delete|rename|edit/i })).toHaveCount(0);
  const viewerApi = await apiAs(people.viewer);
  expect((await viewerApi.post(`/api/projects/${project.id}/runs`, { data: { experiment: "e2e-classifier", source: "sdk" } })).status()).toBe(403);
  expect((await viewerApi.patch(`/api/runs/${runC}`, { data: { status: "failed" } })).status()).toBe(403);
  await viewerApi.dispose();
  await viewerContext.close();
});
