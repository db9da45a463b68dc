"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import type { ReactNode } from "react";
import { navigationFor, roleLabels, type Role } from "@/lib/roles";
import { ProjectSwitcher } from "@/components/shell/project-switcher";

export interface ShellUser {
  name: string;
  email: string;
  role: Role;
}

export function StudioShell({ user, children }: { user: ShellUser; children: ReactNode }) {
  const pathname = usePathname();
  const groups = navigationFor(user.role);
  const matches = (href: string) => (href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`));
  // The most specific item wins: on /labeling/review, "Review" rather than "Labeling jobs" too.
  const current = groups.flatMap((g) => g.items.map((i) => i.href)).filter(matches).sort((a, b) => b.length - a.length)[0];
  const isActive = (href: string) => href === current;
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col border-r border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <Link href="/" className="flex h-12 items-center gap-2 border-b border-zinc-200 px-4 text-sm font-semibold dark:border-zinc-800">
          <span className="grid size-6 place-items-center rounded bg-sky-600 text-xs font-bold text-white">S</span>
          Studio
        </Link>
        <nav aria-label="Main" className="flex-1 overflow-y-auto px-2 py-3">
          {groups.map((group) => (
            <div key={group.label} className="mb-4">
              <p className="px-2 pb-1 text-[11px] font-semibold tracking-wider text-zinc-500 uppercase">{group.label}</p>
              <ul>
                {group.items.map((item) => (
                  <li key={item.href}>
                    <Link
                      href={item.href}
                      aria-current={isActive(item.href) ? "page" : undefined}
                      className={`block rounded-md px-2 py-1.5 text-sm ${
                        isActive(item.href)
                          ? "bg-sky-50 font-medium text-sky-800 dark:bg-sky-950 dark:text-sky-200"
                          : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                      }`}
                    >
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-12 items-center justify-between gap-4 border-b border-zinc-200 bg-white px-5 dark:border-zinc-800 dark:bg-zinc-900">
          <ProjectSwitcher />
          <div className="flex items-center gap-3 text-sm">
            <span className="text-right leading-tight">
              <span className="block font-medium" data-testid="current-user">
                {user.name}
              </span>
              <span className="block text-xs text-zinc-500" data-testid="current-role">
                {roleLabels[user.role]} · {user.email}
              </span>
            </span>
            <button
              type="button"
              // Not next-auth's redirect: it goes to NEXTAUTH_URL, which may not be the address this browser
              // uses; a full load of /login also drops all client state of the signed-out user.
              // eslint-disable-next-line @next/next/no-location-assign-relative-destination
              onClick={() => void signOut({ redirect: false }).then(() => window.location.assign("/login"))}
              className="rounded-md px-2 py-1 text-xs text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
            >
              Sign out
            </button>
          </div>
        </header>
        <main className="mx-auto w-full max-w-7xl flex-1 px-6 py-6">{children}</main>
      </div>
    </div>
  );
}
