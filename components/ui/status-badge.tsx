// Status colours are the same everywhere: pending grey, running blue, succeeded green, failed red,
// stopped amber (PRODUCT.md). Host statuses map onto that palette.
const tones = {
  grey: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  blue: "bg-sky-50 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-300 dark:ring-sky-800",
  green: "bg-emerald-50 text-emerald-800 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-800",
  red: "bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-300 dark:ring-red-800",
  amber: "bg-amber-50 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-800",
} as const;

export type Tone = keyof typeof tones;

/** A status pill; `dot` puts a status dot first, pulsing while the thing is `live` (in progress). */
export function Badge({ tone, children, title, dot }: { tone: Tone; children: React.ReactNode; title?: string; dot?: "still" | "live" }) {
  return (
    <span title={title} className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>
      {dot ? <span className={`size-1.5 rounded-full bg-current ${dot === "live" ? "animate-pulse" : ""}`} aria-hidden /> : null}
      {children}
    </span>
  );
}

/** How one status of a kind shows: its tone, its words, and whether it is in progress (pulsing dot). */
export interface StatusStyle {
  tone: Tone;
  label: string;
  live: boolean;
}

/** A status by its kind's style table; a status the table lacks shows grey, as it is named. */
export function StatusBadge<S extends string>({ status, styles, reason }: { status: S; styles: Record<S, StatusStyle>; reason?: string | null }) {
  const { tone, label, live } = styles[status] ?? { tone: "grey", label: status, live: false };
  return (
    <Badge tone={tone} title={reason ?? status} dot={live ? "live" : "still"}>
      {label}
    </Badge>
  );
}

const hostTones: Record<string, { tone: Tone; label: string }> = {
  unknown: { tone: "grey", label: "Checking" },
  healthy: { tone: "green", label: "Healthy" },
  unreachable: { tone: "red", label: "Unreachable" },
  auth_failed: { tone: "red", label: "Authentication failed" },
  error: { tone: "red", label: "Error" },
  disabled: { tone: "amber", label: "Disabled" },
};

export function HostStatusBadge({ status }: { status: string }) {
  const { tone, label } = hostTones[status] ?? hostTones.unknown;
  return (
    <Badge tone={tone} dot={status === "unknown" ? "live" : "still"}>
      {label}
    </Badge>
  );
}
