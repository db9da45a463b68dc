// Database-side logic of probing; probing a real gateway is in probe-host.integration.test.ts.
import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { hardwareProbeDue, hostsDueForProbe, probeHost } from "@/server/hosts/probe-host";

const db = setupTestDb();
const NOW = new Date("2030-01-01T12:00:00.000Z");
const INTERVAL = 30_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

async function host(name: string, data: { enabled?: boolean; status?: string; lastProbedAt?: Date | null; probeRequestedAt?: Date | null }) {
  const row = await db.computeHost.create({ data: { name, url: `http://${name}:8888`, ...data } });
  return row.id;
}

describe("hostsDueForProbe", () => {
  it("picks never-probed, requested, stale and newly disabled hosts, and skips the rest", async () => {
    const due = {
      never: await host("never", { lastProbedAt: null }),
      requested: await host("requested", { lastProbedAt: ago(5_000), probeRequestedAt: ago(1_000) }),
      stale: await host("stale", { lastProbedAt: ago(INTERVAL) }),
      newlyDisabled: await host("newly-disabled", { enabled: false, status: "healthy", lastProbedAt: ago(1_000) }),
    };
    const notDue = {
      fresh: await host("fresh", { lastProbedAt: ago(INTERVAL - 1) }),
      requestHandled: await host("request-handled", { lastProbedAt: ago(1_000), probeRequestedAt: ago(2_000) }),
      disabled: await host("disabled", { enabled: false, status: "disabled", lastProbedAt: null }),
    };

    const ids = await hostsDueForProbe(db, INTERVAL, NOW);

    expect(ids.sort()).toEqual(Object.values(due).sort());
    for (const id of Object.values(notDue)) expect(ids).not.toContain(id);
  });
});

describe("probeHost without a gateway", () => {
  it("marks a disabled host disabled without contacting it", async () => {
    const id = await host("off", { enabled: false, status: "healthy" });
    expect(await probeHost(db, id, NOW)).toBe("disabled");
    const row = await db.computeHost.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "disabled", lastProbedAt: NOW });
    // ... after which it is no longer due.
    expect(await hostsDueForProbe(db, INTERVAL, NOW)).not.toContain(id);
  });

  it("answers unknown for a host that no longer exists", async () => {
    expect(await probeHost(db, "gone", NOW)).toBe("unknown");
  });
});

describe("hardwareProbeDue", () => {
  const cpu = { gpus: [] };
  const gpu = { gpus: [{ index: 0, name: "NVIDIA A100" }] };
  const minutes = (m: number) => ago(m * 60_000);

  it("probes hardware when asked, when nothing is known, every 5 min on CPU hosts and every minute on GPU hosts", () => {
    expect(hardwareProbeDue({ hardware: null, hardwareProbedAt: null }, false, NOW)).toBe(true);
    expect(hardwareProbeDue({ hardware: cpu, hardwareProbedAt: minutes(1) }, true, NOW)).toBe(true);
    expect(hardwareProbeDue({ hardware: cpu, hardwareProbedAt: minutes(2) }, false, NOW)).toBe(false);
    expect(hardwareProbeDue({ hardware: cpu, hardwareProbedAt: minutes(6) }, false, NOW)).toBe(true);
    expect(hardwareProbeDue({ hardware: gpu, hardwareProbedAt: minutes(0.5) }, false, NOW)).toBe(false);
    expect(hardwareProbeDue({ hardware: gpu, hardwareProbedAt: minutes(2) }, false, NOW)).toBe(true);
  });
});
