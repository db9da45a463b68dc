import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { listAuditEvents, listAuditEventsQuery } from "@/server/audit/list-audit-events";
import { recordAuditEvent } from "@/server/audit/record-audit-event";

const db = setupTestDb();
const T0 = Date.parse("2030-06-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

async function seed() {
  const rows = [
    { id: "e1", at: at(0), action: "auth.sign_in", actorEmail: "alice@example.com" },
    { id: "e2", at: at(1), action: "auth.sign_in_failed", actorEmail: "mallory@example.com", detail: { reason: "wrong_password" } },
    { id: "e3", at: at(2), action: "user.create", actorEmail: "alice@example.com", targetType: "user", targetId: "u9" },
    { id: "e4", at: at(3), action: "auth.sign_in", actorEmail: "bob@example.com" },
    // Same instant as e4: the id breaks the tie.
    { id: "e5", at: at(3), action: "host.create", actorEmail: null },
  ];
  for (const row of rows) await db.auditEvent.create({ data: row });
}

const list = (q: Record<string, unknown> = {}) => listAuditEvents(db, listAuditEventsQuery.parse(q));
const ids = async (q: Record<string, unknown> = {}) => (await list(q)).map((e) => e.id);

describe("listAuditEvents", () => {
  it("lists newest first, ties broken by id (descending)", async () => {
    await seed();
    expect(await ids()).toEqual(["e5", "e4", "e3", "e2", "e1"]);
  });

  it("filters by action prefix", async () => {
    await seed();
    expect(await ids({ action: "auth." })).toEqual(["e4", "e2", "e1"]);
    expect(await ids({ action: "auth.sign_in_failed" })).toEqual(["e2"]);
    expect(await ids({ action: "user" })).toEqual(["e3"]);
    expect(await ids({ action: "project." })).toEqual([]);
  });

  it("filters by part of the actor's email", async () => {
    await seed();
    expect(await ids({ actor: "alice" })).toEqual(["e3", "e1"]);
    expect(await ids({ actor: "bob@example.com" })).toEqual(["e4"]);
    expect(await ids({ actor: "nobody" })).toEqual([]);
    // Case-insensitive on SQLite and PostgreSQL alike.
    expect(await ids({ actor: " ALICE " })).toEqual(["e3", "e1"]);
  });

  it("pages with before and limit, and combines filters", async () => {
    await seed();
    expect(await ids({ limit: 2 })).toEqual(["e5", "e4"]);
    expect(await ids({ before: at(3).toISOString() })).toEqual(["e3", "e2", "e1"]);
    expect(await ids({ before: at(3).toISOString(), limit: "1" })).toEqual(["e3"]);
    expect(await ids({ action: "auth.", actor: "alice" })).toEqual(["e1"]);
  });

  it("returns ISO times, targets and details", async () => {
    await seed();
    const events = await list();
    expect(events.find((e) => e.id === "e2")).toEqual({
      id: "e2",
      at: at(1).toISOString(),
      action: "auth.sign_in_failed",
      actorEmail: "mallory@example.com",
      targetType: null,
      targetId: null,
      ip: null,
      detail: { reason: "wrong_password" },
    });
    expect(events.find((e) => e.id === "e3")).toMatchObject({ targetType: "user", targetId: "u9", detail: null });
  });

  it("sees what recordAuditEvent writes", async () => {
    await recordAuditEvent(db, { action: "auth.sign_in_failed", actorEmail: "ghost@example.com", ip: "192.0.2.11", detail: { reason: "unknown_email" } });
    const [event] = await list({ actor: "ghost" });
    expect(event).toMatchObject({ action: "auth.sign_in_failed", actorEmail: "ghost@example.com", ip: "192.0.2.11", detail: { reason: "unknown_email" } });
  });

  it("validates the query", () => {
    expect(listAuditEventsQuery.safeParse({ limit: 0 }).success).toBe(false);
    expect(listAuditEventsQuery.safeParse({ limit: 501 }).success).toBe(false);
    expect(listAuditEventsQuery.safeParse({ before: "yesterday" }).success).toBe(false);
    expect(listAuditEventsQuery.parse({}).limit).toBe(100);
  });
});
