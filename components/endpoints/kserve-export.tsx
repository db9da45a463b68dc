"use client";

import { useState } from "react";
import { controlClass } from "@/components/ui/field";

/** The endpoint as KServe InferenceService YAML, for a cluster that finds the model folders at a prefix. */
export function KServeExport({ endpointId, variants }: { endpointId: string; variants: number }) {
  const [prefix, setPrefix] = useState("s3://models");
  if (variants > 2) return <p className="text-sm text-zinc-500">KServe&apos;s canary rollout holds two revisions; this endpoint has {variants} variants.</p>;
  const href = `/api/endpoints/${endpointId}/kserve?${new URLSearchParams({ storagePrefix: prefix })}`;
  return (
    <div className="flex flex-wrap items-end gap-3 text-sm">
      <label className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
        Where the cluster finds the model folders ({"{prefix}/{model}/v{version}/"})
        <input value={prefix} onChange={(e) => setPrefix(e.target.value)} className={`${controlClass} mt-1 w-80 font-mono`} aria-label="Model storage prefix" />
      </label>
      <a href={href} download className="inline-flex h-9 items-center rounded-md border border-zinc-300 bg-white px-3.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800">
        Download InferenceService YAML
      </a>
      <p className="w-full text-xs text-zinc-500">serving.kserve.io/v1beta1, V2 protocol; with two variants the lighter one is the canary (canaryTrafficPercent = its share).</p>
    </div>
  );
}
