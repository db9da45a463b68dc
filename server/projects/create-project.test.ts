import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { createProjectInput, slugify } from "@/server/projects/project-schemas";

const db = setupTestDb();

describe("createProject", () => {
  it("makes the creator the project's admin and audits project.create", async () => {
    const { principal } = await makePrincipal(db, "data_scientist");
    const view = await createProject(db, createProjectInput.parse({ name: "Churn Model" }), principal, "192.0.2.5");

    expect(view).toMatchObject({ slug: "churn-model", name: "Churn Model", description: "", memberCount: 1, myRole: "admin" });
    const members = await db.projectMember.findMany({ where: { projectId: view.id } });
    expect(members.map((m) => [m.userId, m.role])).toEqual([[principal.id, "admin"]]);
    expect((await db.project.findUniqueOrThrow({ where: { id: view.id } })).createdById).toBe(principal.id);
    const [event] = await auditEvents(db, "project.create");
    expect(event).toMatchObject({ actorId: principal.id, targetType: "project", targetId: view.id, ip: "192.0.2.5" });
    expect(event.detail).toEqual({ slug: "churn-model" });
  });

  it("uses an explicit slug", async () => {
    const { principal } = await makePrincipal(db);
    const view = await createProject(db, createProjectInput.parse({ name: "Whatever", slug: "My-Slug" }), principal);
    expect(view.slug).toBe("my-slug");
  });

  it("rejects a slug that is taken with conflict, naming the slug field", async () => {
    const { principal } = await makePrincipal(db);
    await createProject(db, createProjectInput.parse({ name: "Fraud" }), principal);
    const error = await expectAppError(createProject(db, createProjectInput.parse({ name: "fraud!" }), principal), "conflict");
    expect(error.issues).toEqual([{ path: "slug", message: "is taken" }]);
    expect(await db.project.count()).toBe(1);
  });
});

describe("slugify", () => {
  it.each([
    ["Churn Model", "churn-model"],
    ["  Crème brûlée — v2 ", "creme-brulee-v2"],
    ["!!!", "project"],
    ["a".repeat(60), "a".repeat(48)],
  ])("%s → %s", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });
});
