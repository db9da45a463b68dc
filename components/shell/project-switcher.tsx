"use client";

import { useRouter, usePathname } from "next/navigation";
import { useProjects } from "@/components/projects/use-projects";

/** The project switcher at the top of every page: lists the caller's projects and opens one. */
export function ProjectSwitcher() {
  const router = useRouter();
  const pathname = usePathname();
  const { data: projects, isLoading } = useProjects();
  const current = /^\/projects\/([^/]+)/.exec(pathname)?.[1] ?? "";
  if (isLoading) return <span className="text-xs text-zinc-500">Loading projects…</span>;
  if (!projects || projects.length === 0) {
    return <span className="text-xs text-zinc-500">No projects yet</span>;
  }
  return (
    <label className="flex items-center gap-2 text-xs text-zinc-500">
      Project
      <select
        aria-label="Project"
        value={current}
        onChange={(e) => router.push(e.target.value ? `/projects/${e.target.value}` : "/projects")}
        className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <option value="">All projects</option>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}
