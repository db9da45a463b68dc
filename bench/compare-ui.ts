// The run-compare page in Chromium against a real studio (started like `npm start --no-setup`, on
// its own port and database): 20 runs × 100,000 points of `loss` (plus a short `accuracy` curve),
// logged through the SDK's batch API with a personal token. Measured: time until the page is
// interactive (every chart drawn with all its lines, and a click on the legend answered) and the
// time of a zoom (drag on a chart → that step range fetched again at full resolution and drawn).
// Target: both ≤ 1,000 ms. Needs a built studio (`npx next build`).
//   npm run bench -- compare-ui
import { request, type Page } from "@playwright/test";
import { emit } from "./lib";
import { median, startBrowserStudio } from "./browser-studio";

const RUNS = 20;
const POINTS = 100_000;
const BATCH = 10_000;

/** Every chart drawn with its lines (loss: one per run). */
async function chartsDrawn(page: Page, lines: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const charts = [...document.querySelectorAll('[aria-label="Metric curves"] [data-testid="metric-chart"]')];
      return charts.length === 2 && charts.every((c) => c.getAttribute("data-state") === "ready" && c.querySelectorAll("[data-series]").length === n);
    },
    lines,
    { timeout: 60_000, polling: "raf" },
  );
}

const { base, browser, api, close } = await startBrowserStudio("compare");
try {
  const project = await (await api.post("/api/projects", { data: { name: "Bench compare" } })).json();
  const { token } = await (await api.post("/api/tokens", { data: { name: "bench compare" } })).json();
  const sdk = await request.newContext({ baseURL: base, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });

  // ——— seed: 20 runs × 100,000 points through the batch API ———
  const seedStart = Date.now();
  const runIds: string[] = [];
  let experimentId = "";
  for (let r = 0; r < RUNS; r++) {
    const res = await sdk.post(`/api/projects/${project.id}/runs`, { data: { experiment: "bench-compare", name: `run-${String(r).padStart(2, "0")}`, source: "sdk" } });
    if (res.status() !== 201) throw new Error(`create run: ${res.status()} ${await res.text()}`);
    const { run } = await res.json();
    runIds.push(run.id);
    experimentId = run.experimentId;
  }
  const t0 = Date.now() - POINTS * 1000;
  const uploads: (() => Promise<void>)[] = [];
  runIds.forEach((runId, r) => {
    const decay = 2_000 + r * 900;
    for (let b = 0; b < POINTS / BATCH; b++) {
      uploads.push(async () => {
        const metrics = Array.from({ length: BATCH }, (_, j) => {
          const step = b * BATCH + j;
          // A decaying curve with noise, so LTTB has real work to do.
          return { key: "loss", value: 2 * Math.exp(-step / decay) + 0.05 * Math.sin(step / 7 + r) + 0.02 * Math.random(), step, timestamp: t0 + step * 1000 };
        });
        const params = b === 0 ? [{ key: "lr", value: String([0.1, 0.03, 0.01, 0.003, 0.001][r % 5]) }, { key: "batch_size", value: String([32, 64, 128, 256][r % 4]) }, { key: "optimizer", value: r % 2 ? "adam" : "sgd" }] : [];
        const res = await sdk.post(`/api/runs/${runId}/batch`, { data: { source: `bench-${runId}`, seq: b, metrics, params }, timeout: 120_000 });
        if (res.status() !== 200) throw new Error(`batch: ${res.status()} ${await res.text()}`);
      });
    }
    uploads.push(async () => {
      const metrics = Array.from({ length: 100 }, (_, s) => ({ key: "accuracy", value: 0.5 + (0.4 * s) / 99 + r / 500, step: s * 1000, timestamp: t0 + s * 1000 }));
      const res = await sdk.post(`/api/runs/${runId}/batch`, { data: { source: `bench-${runId}`, seq: POINTS / BATCH, metrics } });
      if (res.status() !== 200) throw new Error(`batch: ${res.status()} ${await res.text()}`);
    });
  });
  const queue = [...uploads];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  }));
  for (const runId of runIds) await sdk.patch(`/api/runs/${runId}`, { data: { status: "completed" } });
  emit({ bench: "compare-ui", metric: "seed_seconds", value: +((Date.now() - seedStart) / 1000).toFixed(1), unit: "s", n: RUNS * POINTS });

  // The compare endpoint alone, for reference: 20 × 100,000 points → 20 × 1,000.
  const apiTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    const res = await api.get(`/api/experiments/${experimentId}/compare?runs=${runIds.join(",")}&keys=loss&points=1000`);
    if (res.status() !== 200) throw new Error(`compare: ${res.status()}`);
    apiTimes.push(Date.now() - t);
  }
  emit({ bench: "compare-ui", metric: "compare_api_20x100k_ms", value: median(apiTimes), unit: "ms", n: apiTimes.length });

  // ——— the page ———
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  await context.addCookies((await api.storageState()).cookies);
  const page = await context.newPage();
  const url = `/experiments/${experimentId}/compare?runs=${runIds.join(",")}&keys=accuracy,loss`; // as the runs table's Compare button links
  await page.goto(url); // warm-up: the first load compiles nothing in production, but fills caches
  await chartsDrawn(page, RUNS);

  const opens: number[] = [];
  const zooms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await page.goto(url);
    await chartsDrawn(page, RUNS);
    // Interactive: a click on the legend hides a run's line in every chart.
    const legend = page.getByRole("list", { name: "Runs compared" }).getByRole("button").first();
    await legend.click();
    await page.waitForFunction(
      (n) => [...document.querySelectorAll('[aria-label="Metric curves"] [data-testid="metric-chart"]')].every((c) => c.querySelectorAll("[data-series]").length === n),
      RUNS - 1,
      { polling: "raf" },
    );
    opens.push(Date.now() - started);
    await legend.click();
    await chartsDrawn(page, RUNS);

    // Zoom: drag over the middle fifth of the loss chart.
    const chart = page.locator('[aria-label="Metric curves"] [data-testid="metric-chart"]').filter({ hasText: /^loss/ });
    const box = (await chart.getByTestId("chart-overlay").boundingBox())!;
    const from = 0.3 + i * 0.1;
    await page.mouse.move(box.x + box.width * from, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * (from + 0.2), box.y + box.height / 2, { steps: 4 });
    const zoomStart = Date.now();
    await page.mouse.up();
    await page.waitForFunction(
      (n) => {
        const c = [...document.querySelectorAll('[aria-label="Metric curves"] [data-testid="metric-chart"]')].find((e) => e.textContent?.startsWith("loss"));
        return c && c.getAttribute("data-range") !== "all" && c.getAttribute("data-state") === "ready" && c.querySelectorAll("[data-series]").length === n;
      },
      RUNS,
      { polling: "raf", timeout: 30_000 },
    );
    zooms.push(Date.now() - zoomStart);
  }
  emit({ bench: "compare-ui", metric: "open_20x100k_interactive_ms", value: median(opens), unit: "ms", n: opens.length });
  emit({ bench: "compare-ui", metric: "zoom_refetch_20x100k_ms", value: median(zooms), unit: "ms", n: zooms.length });
  await page.close();
  await sdk.dispose();
} finally {
  await close();
}
