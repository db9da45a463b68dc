import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { getProject } from "@/server/projects/get-project";
import { listProjects } from "@/server/projects/list-projects";
import { updateProject } from "@/server/projects/update-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { createProjectInput } from "@/server/projects/project-schemas";

const db = setupTestDb();

async function project(name: string, owner: Parameters<typeof createProject>[2]) {
  return createProject(db, createProjectInput.parse({ name }), owner);
}

describe("getProject", () => {
  it("shows a member the project and its members", async () => {
    const { principal: owner } = await makePrincipal(db, "data_scientist");
    const { principal: member } = await makePrincipal(db, "labeler");
    const p = await project("Vision", owner);
    await setProjectMember(db, p.id, { userId: member.id, role: "labeler" }, owner);

    const seen = await getProject(db, p.id, member);
    expect(seen).toMatchObject({ id: p.id, myRole: "labeler", memberCount: 2 });
    expect(seen.members.map((m) => [m.email, m.role])).toEqual([
      [owner.email, "admin"],
      [member.email, "labeler"],
    ]);
  });

  it("answers not_found to a non-member, exactly as for a missing project", async () => {
    const { principal: owner } = await makePrincipal(db, "data_scientist");
    const { principal: stranger } = await makePrincipal(db, "data_scientist");
    const p = await project("Secret", owner);
    const hidden = await expectAppError(getProject(db, p.id, stranger), "not_found");
    const missing = await expectAppError(getProject(db, "no-such-project", stranger), "not_found");
    expect(hidden.message).toBe(missing.message);
  });

  it("shows every project to a studio admin, with myRole null when not a member", async () => {
    const { principal: owner } = await makePrincipal(db, "data_scientist");
    const { principal: admin } = await makePrincipal(db, "admin");
    const p = await project("Audit me", owner);
    expect(await getProject(db, p.id, admin)).toMatchObject({ id: p.id, myRole: null, memberCount: 1 });
  });
});

describe("listProjects", () => {
  it("lists only their own projects to non-admins and every project to admins", async () => {
    const { principal: alice } = await makePrincipal(db, "data_scientist");
    const { principal: bob } = await makePrincipal(db, "data_scientist");
    const { principal: viewer } = await makePrincipal(db, "viewer");
    const { principal: admin } = await makePrincipal(db, "admin");
    const a = await project("Alpha", alice);
    const b = await project("Beta", bob);
    await setProjectMember(db, b.id, { userId: viewer.id, role: "viewer" }, bob);

    expect((await listProjects(db, alice)).map((p) => p.name)).toEqual(["Alpha"]);
    expect((await listProjects(db, viewer)).map((p) => [p.name, p.myRole])).toEqual([["Beta", "viewer"]]);
    const all = await listProjects(db, admin);
    expect(all.map((p) => [p.id, p.myRole, p.memberCount])).toEqual([
      [a.id, null, 1],
      [b.id, null, 2],
    ]);
  });
});

describe("updateProject", () => {
  it("lets project admins rename; other members get forbidden, non-members not_found", async () => {
    const { principal: owner } = await makePrincipal(db, "data_scientist");
    const { principal: member } = await makePrincipal(db, "data_scientist");
    const { principal: stranger } = await makePrincipal(db, "data_scientist");
    const p = await project("Old name", owner);
    await setProjectMember(db, p.id, { userId: member.id, role: "data_scientist" }, owner);

    await expectAppError(updateProject(db, p.id, { name: "Hijacked" }, member), "forbidden");
    await expectAppError(updateProject(db, p.id, { name: "Hijacked" }, stranger), "not_found");
    await updateProject(db, p.id, { name: "New name" }, owner);
    const row = await db.project.findUniqueOrThrow({ where: { id: p.id } });
    expect(row).toMatchObject({ name: "New name", slug: "old-name" });
  });
});
