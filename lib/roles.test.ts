import { describe, expect, it } from "vitest";
import { can, navigation, navigationFor, permissions, roles, type Permission, type Role } from "@/lib/roles";

const expected: Record<Role, Permission[]> = {
  admin: [...permissions],
  data_scientist: ["hosts:read", "projects:create", "projects:read", "tokens:own", "notebooks:read", "notebooks:write", "datasets:read", "datasets:write", "training:read", "training:write", "models:read", "models:write", "models:approve", "labeling:read", "labeling:work", "labeling:manage", "labeling:review"],
  labeler: ["projects:read", "tokens:own", "labeling:work"],
  viewer: ["projects:read", "tokens:own", "notebooks:read", "datasets:read", "training:read", "models:read", "labeling:read"],
};

function hrefs(role: Role): string[] {
  return navigationFor(role).flatMap((g) => g.items.map((i) => i.href));
}

describe("can", () => {
  it.each(roles)("grants %s exactly its permissions", (role) => {
    const granted = permissions.filter((p) => can(role, p));
    expect(granted.sort()).toEqual([...expected[role]].sort());
  });

  it("keeps hosts:manage, users:manage and audit:read for admins only", () => {
    for (const p of ["hosts:manage", "users:manage", "audit:read"] as const) {
      expect(roles.filter((r) => can(r, p))).toEqual(["admin"]);
    }
  });

  it("lets data scientists see hosts but not manage them", () => {
    expect(can("data_scientist", "hosts:read")).toBe(true);
    expect(can("data_scientist", "hosts:manage")).toBe(false);
  });
});

describe("navigationFor", () => {
  it("shows admins every item", () => {
    expect(hrefs("admin").sort()).toEqual(navigation.flatMap((g) => g.items.map((i) => i.href)).sort());
  });

  it("shows data scientists hosts but not users or audit", () => {
    const h = hrefs("data_scientist");
    expect(h).toContain("/admin/hosts");
    expect(h).toContain("/projects");
    expect(h).toContain("/datasets");
    expect(h).toContain("/settings/tokens");
    expect(h).not.toContain("/admin/users");
    expect(h).not.toContain("/admin/audit");
    expect(h).toContain("/labeling/review");
  });

  it("keeps the review queue for admins and data scientists", () => {
    expect(roles.filter((r) => can(r, "labeling:review"))).toEqual(["admin", "data_scientist"]);
  });

  it("shows labelers their queue, and no notebooks, hosts, users or audit", () => {
    expect(hrefs("labeler").sort()).toEqual(["/", "/labeling/queue", "/projects", "/settings/tokens"]);
  });

  it("shows viewers notebooks, datasets, jobs, experiments, models, endpoints, batch transforms labeling jobs (read-only) and the labeling dashboard but no queue, hosts, users or audit", () => {
    expect(hrefs("viewer").sort()).toEqual(["/", "/dashboards/labeling", "/datasets", "/endpoints", "/experiments", "/jobs", "/labeling", "/models", "/notebooks", "/projects", "/settings/tokens", "/transform-jobs"]);
  });

  it("never shows an item whose permission the role lacks, and drops empty groups", () => {
    for (const role of roles) {
      for (const group of navigationFor(role)) {
        expect(group.items.length).toBeGreaterThan(0);
        for (const item of group.items) expect(item.permission === null || can(role, item.permission)).toBe(true);
      }
    }
  });
});
