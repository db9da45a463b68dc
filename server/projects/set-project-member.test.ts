import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { removeProjectMember, setProjectMember } from "@/server/projects/set-project-member";
import { createProjectInput } from "@/server/projects/project-schemas";

const db = setupTestDb();

async function setup() {
  const { principal: owner } = await makePrincipal(db, "data_scientist");
  const { principal: other } = await makePrincipal(db, "labeler");
  const p = await createProject(db, createProjectInput.parse({ name: "Speech" }), owner);
  return { owner, other, projectId: p.id };
}

function roleOf(projectId: string, userId: string) {
  return db.projectMember.findUnique({ where: { projectId_userId: { projectId, userId } } }).then((m) => m?.role ?? null);
}

describe("setProjectMember", () => {
  it("adds a member, then changes the role, auditing both", async () => {
    const { owner, other, projectId } = await setup();

    await setProjectMember(db, projectId, { userId: other.id, role: "labeler" }, owner, "192.0.2.6");
    expect(await roleOf(projectId, other.id)).toBe("labeler");
    const [added] = await auditEvents(db, "project.member_add");
    expect(added).toMatchObject({ actorId: owner.id, targetType: "project", targetId: projectId, ip: "192.0.2.6" });
    expect(added.detail).toEqual({ email: other.email, role: "labeler" });

    await setProjectMember(db, projectId, { userId: other.id, role: "viewer" }, owner);
    expect(await roleOf(projectId, other.id)).toBe("viewer");
    const [updated] = await auditEvents(db, "project.member_update");
    expect(updated.detail).toEqual({ email: other.email, role: "viewer", from: "labeler" });
  });

  it("refuses to demote the last project admin (conflict), and allows it once there is another", async () => {
    const { owner, other, projectId } = await setup();
    await expectAppError(setProjectMember(db, projectId, { userId: owner.id, role: "viewer" }, owner), "conflict");
    expect(await roleOf(projectId, owner.id)).toBe("admin");

    await setProjectMember(db, projectId, { userId: other.id, role: "admin" }, owner);
    await setProjectMember(db, projectId, { userId: owner.id, role: "viewer" }, owner);
    expect(await roleOf(projectId, owner.id)).toBe("viewer");
    // The remaining admin is now the last one.
    await expectAppError(setProjectMember(db, projectId, { userId: other.id, role: "labeler" }, other), "conflict");
  });

  it("forbids a member who is not a project admin, and hides the project from non-members", async () => {
    const { owner, other, projectId } = await setup();
    const { principal: stranger } = await makePrincipal(db, "data_scientist");
    await setProjectMember(db, projectId, { userId: other.id, role: "data_scientist" }, owner);

    await expectAppError(setProjectMember(db, projectId, { userId: other.id, role: "admin" }, other), "forbidden");
    await expectAppError(setProjectMember(db, projectId, { userId: stranger.id, role: "viewer" }, other), "forbidden");
    await expectAppError(setProjectMember(db, projectId, { userId: stranger.id, role: "admin" }, stranger), "not_found");
    expect(await roleOf(projectId, other.id)).toBe("data_scientist");
    expect(await roleOf(projectId, stranger.id)).toBeNull();
  });

  it("lets a studio admin who is not a member manage members", async () => {
    const { other, projectId } = await setup();
    const { principal: admin } = await makePrincipal(db, "admin");
    await setProjectMember(db, projectId, { userId: other.id, role: "viewer" }, admin);
    expect(await roleOf(projectId, other.id)).toBe("viewer");
  });

  it("rejects an unknown user with validation_failed", async () => {
    const { owner, projectId } = await setup();
    const error = await expectAppError(setProjectMember(db, projectId, { userId: "no-such-user", role: "viewer" }, owner), "validation_failed");
    expect(error.issues?.[0].path).toBe("userId");
  });
});

describe("removeProjectMember", () => {
  it("removes a member and audits it", async () => {
    const { owner, other, projectId } = await setup();
    await setProjectMember(db, projectId, { userId: other.id, role: "labeler" }, owner);
    await removeProjectMember(db, projectId, other.id, owner);
    expect(await roleOf(projectId, other.id)).toBeNull();
    expect((await auditEvents(db, "project.member_remove"))[0].detail).toEqual({ email: other.email });
  });

  it("refuses to remove the last project admin (conflict)", async () => {
    const { owner, projectId } = await setup();
    await expectAppError(removeProjectMember(db, projectId, owner.id, owner), "conflict");
    expect(await roleOf(projectId, owner.id)).toBe("admin");
  });

  it("forbids non-admin members and answers not_found for a non-member user", async () => {
    const { owner, other, projectId } = await setup();
    const { principal: third } = await makePrincipal(db, "viewer");
    await setProjectMember(db, projectId, { userId: other.id, role: "data_scientist" }, owner);
    await setProjectMember(db, projectId, { userId: third.id, role: "viewer" }, owner);

    await expectAppError(removeProjectMember(db, projectId, third.id, other), "forbidden");
    expect(await roleOf(projectId, third.id)).toBe("viewer");
    await removeProjectMember(db, projectId, third.id, owner);
    await expectAppError(removeProjectMember(db, projectId, third.id, owner), "not_found");
  });
});
