"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { MAX_REPLICAS, type AutoscalingPolicy, type EndpointView, type VariantView } from "@/lib/endpoints";
import { Button } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";

function useSetAutoscaling(endpointId: string, variant: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (policy: AutoscalingPolicy | null) => api<{ endpoint: EndpointView }>(`/api/endpoints/${endpointId}/variants/${encodeURIComponent(variant)}/autoscaling`, { method: "PUT", body: { policy } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.endpoints.all }),
  });
}

/** A variant's autoscaling in a few words. */
export function autoscalingSummary(policy: AutoscalingPolicy | null): string {
  return policy ? `${policy.minReplicas}–${policy.maxReplicas} replicas at ${policy.targetInvocationsPerReplicaPerMinute} calls/replica/min` : "fixed";
}

/** "Autoscaling…": target tracking on invocations per replica per minute, with cooldowns. */
export function AutoscalingButton({ endpointId, variant }: { endpointId: string; variant: VariantView }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" variant="secondary" onClick={() => setOpen(true)} aria-label={`Autoscaling of ${variant.name}`}>
        Autoscaling…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Autoscaling of ${variant.name}`}>
        {open ? <AutoscalingForm endpointId={endpointId} variant={variant} onDone={() => setOpen(false)} /> : null}
      </Dialog>
    </>
  );
}

function AutoscalingForm({ endpointId, variant, onDone }: { endpointId: string; variant: VariantView; onDone: () => void }) {
  const save = useSetAutoscaling(endpointId, variant.name);
  const p = variant.autoscaling;
  const [min, setMin] = useState(String(p?.minReplicas ?? 1));
  const [max, setMax] = useState(String(p?.maxReplicas ?? Math.min(MAX_REPLICAS, Math.max(2, variant.replicas))));
  const [target, setTarget] = useState(String(p?.targetInvocationsPerReplicaPerMinute ?? 600));
  const [outCooldown, setOutCooldown] = useState(String(p?.scaleOutCooldownSeconds ?? 300));
  const [inCooldown, setInCooldown] = useState(String(p?.scaleInCooldownSeconds ?? 300));
  const issue = (path: string) => (save.error instanceof ApiError ? save.error.issueFor(path) : undefined);
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(
          {
            minReplicas: Number(min),
            maxReplicas: Number(max),
            targetInvocationsPerReplicaPerMinute: Number(target),
            scaleOutCooldownSeconds: Number(outCooldown),
            scaleInCooldownSeconds: Number(inCooldown),
          },
          { onSuccess: onDone },
        );
      }}
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        The studio keeps the variant&apos;s model servers between the minimum and the maximum, so that each replica gets about the target number of invocations per minute
        (SageMaker&apos;s <code className="font-mono">SageMakerVariantInvocationsPerInstance</code>). Rule of thumb: target = peak requests per second × 0.5 × 60. After a scale-out
        it waits its cooldown before scaling out again; it scales in only after the scale-in cooldown since the last change. Scaled-in servers finish what they were sent before
        they stop.
      </p>
      <div className="grid grid-cols-2 gap-3">
        <TextField label="Minimum replicas" type="number" min={1} max={MAX_REPLICAS} value={min} onChange={(e) => setMin(e.target.value)} error={issue("policy.minReplicas")} />
        <TextField label="Maximum replicas" type="number" min={1} max={MAX_REPLICAS} value={max} onChange={(e) => setMax(e.target.value)} error={issue("policy.maxReplicas")} />
        <TextField
          label="Target invocations per replica per minute"
          type="number"
          min={1}
          step="any"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          error={issue("policy.targetInvocationsPerReplicaPerMinute")}
        />
        <div />
        <TextField label="Scale-out cooldown (s)" type="number" min={0} value={outCooldown} onChange={(e) => setOutCooldown(e.target.value)} error={issue("policy.scaleOutCooldownSeconds")} />
        <TextField label="Scale-in cooldown (s)" type="number" min={0} value={inCooldown} onChange={(e) => setInCooldown(e.target.value)} error={issue("policy.scaleInCooldownSeconds")} />
      </div>
      {p ? (
        <Button variant="secondary" busy={save.isPending && save.variables === null} onClick={() => save.mutate(null, { onSuccess: onDone })}>
          Turn autoscaling off (keep {variant.replicas} replica{variant.replicas === 1 ? "" : "s"})
        </Button>
      ) : null}
      <DialogFooter error={save.error} onCancel={onDone} busy={save.isPending} submitLabel="Save policy" />
    </form>
  );
}

/** The latest replica-count changes made by autoscaling, newest first. */
export function ScalingEvents({ endpoint }: { endpoint: EndpointView }) {
  if (endpoint.scalingEvents.length === 0) {
    return <p className="text-sm text-zinc-500">No scaling yet. A variant with a policy changes its replicas here as its traffic changes.</p>;
  }
  return (
    <Table label="Scaling events">
      <thead>
        <tr>
          <Th>When</Th>
          <Th>Variant</Th>
          <Th>Replicas</Th>
          <Th>Why</Th>
        </tr>
      </thead>
      <tbody>
        {endpoint.scalingEvents.map((e) => (
          <tr key={e.id}>
            <Td className="text-xs whitespace-nowrap">{formatDateTime(e.at)}</Td>
            <Td>{e.variant}</Td>
            <Td className="tabular-nums whitespace-nowrap">
              {e.fromReplicas} → {e.toReplicas}
            </Td>
            <Td className="text-xs">{e.reason}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
