"use client";

/** application/json output as a collapsible tree (objects and arrays fold; the top two levels start open). */
export function JsonTree({ value, name, depth = 0 }: { value: unknown; name?: string; depth?: number }) {
  const label = name !== undefined ? <span className="text-sky-800 dark:text-sky-300">{name}: </span> : null;
  if (value === null || typeof value !== "object") {
    const text = typeof value === "string" ? JSON.stringify(value) : String(value);
    const tone = typeof value === "string" ? "text-emerald-700 dark:text-emerald-400" : "text-amber-700 dark:text-amber-400";
    return (
      <div className="pl-4">
        {label}
        <span className={tone}>{text}</span>
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const summary = Array.isArray(value) ? `Array(${entries.length})` : `{${entries.length} keys}`;
  return (
    <details open={depth < 2} className="pl-4">
      <summary className="cursor-pointer select-none">
        {label}
        <span className="text-zinc-500">{summary}</span>
      </summary>
      {entries.map(([k, v]) => (
        <JsonTree key={k} name={k} value={v} depth={depth + 1} />
      ))}
    </details>
  );
}
