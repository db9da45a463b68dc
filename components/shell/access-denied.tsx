import { roleLabels, type Role } from "@/lib/roles";

export function AccessDenied({ role, what }: { role: Role; what: string }) {
  return (
    <div role="alert" className="mx-auto mt-16 max-w-md text-center">
      <p className="text-4xl font-semibold text-zinc-300 dark:text-zinc-700">403</p>
      <h1 className="mt-2 text-lg font-semibold">No access to {what}</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Your role ({roleLabels[role]}) does not include this page. Ask an admin if you need it.
      </p>
    </div>
  );
}
