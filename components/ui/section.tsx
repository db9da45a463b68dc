import type { ReactNode } from "react";

/** One labelled value in a detail header (a <dl> grid). */
export function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-semibold tracking-wider text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-0.5 truncate text-sm">{children}</dd>
    </div>
  );
}

/** A titled part of a detail page, with an optional count beside the title. */
export function Section({ title, children, count, actions }: { title: string; children: ReactNode; count?: number; actions?: ReactNode }) {
  return (
    <section aria-label={title} className="mb-8">
      <div className="mb-2 flex items-center justify-between gap-3">
        <h2 className="text-sm font-semibold">
          {title}
          {count !== undefined ? <span className="ml-1.5 font-normal text-zinc-500">{count.toLocaleString()}</span> : null}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
