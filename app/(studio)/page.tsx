import Link from "next/link";
import { can, roleLabels } from "@/lib/roles";
import { db } from "@/server/db";
import { pageAccess } from "@/server/auth/require-permission";
import { listHosts } from "@/server/hosts/list-hosts";
import { listProjects } from "@/server/projects/list-projects";
import { Card, EmptyState } from "@/components/ui/card";
import { HostStatusBadge } from "@/components/ui/status-badge";

export const metadata = { title: "Home" };

export default async function HomePage() {
  const { user } = await pageAccess("tokens:own");
  const [projects, hosts] = await Promise.all([listProjects(db(), user), can(user.role, "hosts:read") ? listHosts(db()) : Promise.resolve(null)]);
  return (
    <>
      <h1 className="text-xl font-semibold tracking-tight">Welcome, {user.name.split(" ")[0]}</h1>
      <p className="mt-1 mb-6 text-sm text-zinc-600 dark:text-zinc-400">Signed in as {roleLabels[user.role]}.</p>
      <div className="grid gap-5 lg:grid-cols-2">
        <Card className="p-4">
          <div className="mb-3 flex items-center justify-between">
            <h2 className="text-sm font-semibold">Your projects</h2>
            <Link href="/projects" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
              All projects
            </Link>
          </div>
          {projects.length === 0 ? (
            <EmptyState title="No projects yet">
              {can(user.role, "projects:create") ? (
                <Link href="/projects" className="text-sky-700 hover:underline dark:text-sky-400">
                  Create a project
                </Link>
              ) : (
                "Ask an admin to add you to a project."
              )}
            </EmptyState>
          ) : (
            <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {projects.slice(0, 8).map((p) => (
                <li key={p.id} className="flex items-center justify-between py-2 text-sm">
                  <Link href={`/projects/${p.id}`} className="font-medium hover:underline">
                    {p.name}
                  </Link>
                  <span className="text-xs text-zinc-500">{p.memberCount} members</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        {hosts ? (
          <Card className="p-4">
            <div className="mb-3 flex items-center justify-between">
              <h2 className="text-sm font-semibold">Compute</h2>
              <Link href="/admin/hosts" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
                Hosts
              </Link>
            </div>
            {hosts.length === 0 ? (
              <EmptyState title="No compute hosts">Start the studio with npm start, or add a gateway.</EmptyState>
            ) : (
              <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {hosts.map((h) => (
                  <li key={h.id} className="flex items-center justify-between gap-3 py-2 text-sm">
                    <span className="font-medium">{h.name}</span>
                    <span className="flex items-center gap-3 text-xs text-zinc-500">
                      {h.hardware ? `${h.hardware.cpu_count ?? "?"} CPU · ${h.hardware.gpus.length} GPU` : null}
                      <HostStatusBadge status={h.status} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        ) : null}
      </div>
    </>
  );
}
