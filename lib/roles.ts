// Roles, permissions and navigation: safe for browser and server. The server checks permissions
// on every route; the browser only uses them to decide what to show.
import { z } from "zod";

export const roles = ["admin", "data_scientist", "labeler", "viewer"] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

export const roleLabels: Record<Role, string> = {
  admin: "Admin",
  data_scientist: "Data scientist",
  labeler: "Labeler",
  viewer: "Viewer",
};

export const permissions = [
  "hosts:read",
  "hosts:manage",
  "users:manage",
  "projects:create",
  "projects:read",
  "audit:read",
  "tokens:own",
  "notebooks:read",
  "notebooks:write",
  "datasets:read",
  "datasets:write",
  "training:read",
  "training:write",
  "models:read",
  "models:write",
  "models:approve",
  /** Labeling jobs: progress (managers), the queue (labelers), set-up and exports (data scientists), the review queue (reviewers). */
  "labeling:read",
  "labeling:work",
  "labeling:manage",
  "labeling:review",
] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  admin: permissions,
  // Data scientists pick hosts for notebooks and jobs, so they see them, but only admins change them.
  data_scientist: ["hosts:read", "projects:create", "projects:read", "tokens:own", "notebooks:read", "notebooks:write", "datasets:read", "datasets:write", "training:read", "training:write", "models:read", "models:write", "models:approve", "labeling:read", "labeling:work", "labeling:manage", "labeling:review"],
  labeler: ["projects:read", "tokens:own", "labeling:work"],
  viewer: ["projects:read", "tokens:own", "notebooks:read", "datasets:read", "training:read", "models:read", "labeling:read"],
};

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

export interface NavItem {
  href: string;
  label: string;
  permission: Permission | null;
}

export interface NavGroup {
  label: string;
  items: NavItem[];
}

/** The left rail. Groups appear as their features land; each item names the permission it needs. */
export const navigation: NavGroup[] = [
  { label: "Home", items: [{ href: "/", label: "Home", permission: null }] },
  {
    label: "Work",
    items: [
      { href: "/projects", label: "Projects", permission: "projects:read" },
      { href: "/notebooks", label: "Notebooks", permission: "notebooks:read" },
    ],
  },
  { label: "Data", items: [{ href: "/datasets", label: "Datasets", permission: "datasets:read" }] },
  {
    label: "Training",
    items: [
      { href: "/jobs", label: "Training jobs", permission: "training:read" },
      { href: "/experiments", label: "Experiments", permission: "training:read" },
    ],
  },
  {
    label: "Models",
    items: [
      { href: "/models", label: "Model registry", permission: "models:read" },
      { href: "/endpoints", label: "Endpoints", permission: "models:read" },
      { href: "/transform-jobs", label: "Batch transforms", permission: "models:read" },
    ],
  },
  {
    label: "Labeling",
    items: [
      { href: "/labeling/queue", label: "My queue", permission: "labeling:work" },
      { href: "/labeling", label: "Labeling jobs", permission: "labeling:read" },
      { href: "/labeling/review", label: "Review", permission: "labeling:review" },
    ],
  },
  { label: "Dashboards", items: [{ href: "/dashboards/labeling", label: "Labeling throughput", permission: "labeling:read" }] },
  {
    label: "Admin",
    items: [
      { href: "/admin/users", label: "Users & roles", permission: "users:manage" },
      { href: "/admin/hosts", label: "Compute hosts", permission: "hosts:read" },
      { href: "/admin/audit", label: "Audit log", permission: "audit:read" },
      { href: "/settings/tokens", label: "API tokens", permission: "tokens:own" },
    ],
  },
];

export function navigationFor(role: Role): NavGroup[] {
  return navigation
    .map((group) => ({ ...group, items: group.items.filter((i) => i.permission === null || can(role, i.permission)) }))
    .filter((group) => group.items.length > 0);
}
