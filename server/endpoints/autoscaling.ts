import "server-only";
import type { Db, Prisma } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { AutoscalingPolicy, EndpointView } from "@/lib/endpoints";
import { endpointView, loadFor, storedPolicy } from "@/server/endpoints/manage-endpoints";

// Autoscaling of a variant's replicas by target tracking on invocations per replica per minute
// (SageMaker's SageMakerVariantInvocationsPerInstance): the worker compares the variant's recent
// invocation rate with the target and sets `replicas` between the policy's min and max, after a
// cooldown since its last scale-out (for more) or scale-in (for fewer); the supervisor then starts
// or drains model servers. Each change is an EndpointScalingEvent, shown on the endpoint page.

const MINUTE = 60_000;

export interface ScalingDecision {
  desired: number;
  reason: string;
}

/**
 * The replica count the policy wants now, or null to stay. `invocationsPerMinute` is the variant's
 * whole rate; the target is per replica, so desired = ceil(rate / target), within min..max.
 */
export function decideScaling(
  policy: AutoscalingPolicy,
  current: number,
  invocationsPerMinute: number,
  last: { scaleOutAt: number | null; scaleInAt: number | null },
  now: number,
): ScalingDecision | null {
  const wanted = Math.ceil(invocationsPerMinute / policy.targetInvocationsPerReplicaPerMinute - 1e-9);
  const desired = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, wanted));
  const perReplica = current > 0 ? invocationsPerMinute / current : invocationsPerMinute;
  const metric = `${perReplica.toFixed(1)} invocations per replica per minute against a target of ${policy.targetInvocationsPerReplicaPerMinute}`;
  if (current < policy.minReplicas || current > policy.maxReplicas) return { desired, reason: `the policy keeps ${policy.minReplicas}–${policy.maxReplicas} replicas` };
  if (desired > current) {
    if (last.scaleOutAt !== null && now - last.scaleOutAt < policy.scaleOutCooldownSeconds * 1000) return null;
    return { desired, reason: `scale out: ${metric}` };
  }
  if (desired < current) {
    // Scale-in waits for its cooldown after any scaling, so a burst's new replicas are not removed at once.
    const lastAny = Math.max(last.scaleOutAt ?? -Infinity, last.scaleInAt ?? -Infinity);
    if (Number.isFinite(lastAny) && now - lastAny < policy.scaleInCooldownSeconds * 1000) return null;
    return { desired, reason: `scale in: ${metric}` };
  }
  return null;
}

/** The variant's invocations per minute over the last one to two minutes (the router's per-minute counts). */
async function invocationRate(db: Db, endpointId: string, variant: string, now: number): Promise<number> {
  const from = Math.floor(now / MINUTE) * MINUTE - MINUTE;
  const rows = await db.endpointStat.findMany({ where: { endpointId, variant, minute: { gte: new Date(from) } }, select: { count: true } });
  const count = rows.reduce((sum, r) => sum + r.count, 0);
  return count / ((now - from) / MINUTE);
}

/** One pass of the worker: applies every autoscaled variant's policy; `log` tells the endpoint's log. */
export async function autoscaleEndpoints(db: Db, log: (endpointId: string, variant: string, line: string) => void, now = Date.now()): Promise<void> {
  const variants = await db.endpointVariant.findMany({
    where: { autoscaling: { not: null }, state: "active", runtime: "python", endpoint: { status: { in: ["InService", "Updating"] } } },
    select: { id: true, endpointId: true, name: true, replicas: true, autoscaling: true },
  });
  for (const variant of variants) {
    const policy = storedPolicy(variant.autoscaling);
    if (!policy) continue;
    const events = await db.endpointScalingEvent.findMany({ where: { endpointId: variant.endpointId, variant: variant.name }, orderBy: { at: "desc" }, take: 20, select: { at: true, fromReplicas: true, toReplicas: true } });
    const lastOut = events.find((e) => e.toReplicas > e.fromReplicas)?.at.getTime() ?? null;
    const lastIn = events.find((e) => e.toReplicas < e.fromReplicas)?.at.getTime() ?? null;
    const rate = await invocationRate(db, variant.endpointId, variant.name, now);
    const decision = decideScaling(policy, variant.replicas, rate, { scaleOutAt: lastOut, scaleInAt: lastIn }, now);
    if (!decision || decision.desired === variant.replicas) continue;
    await db.$transaction([
      db.endpointVariant.update({ where: { id: variant.id }, data: { replicas: decision.desired } }),
      db.endpointScalingEvent.create({ data: { endpointId: variant.endpointId, variant: variant.name, at: new Date(now), fromReplicas: variant.replicas, toReplicas: decision.desired, reason: decision.reason } }),
    ]);
    log(variant.endpointId, variant.name, `Autoscaling: ${variant.replicas} → ${decision.desired} replicas (${decision.reason})`);
  }
}

/**
 * Sets (or with null, removes) a variant's autoscaling policy (Application Auto Scaling's
 * RegisterScalableTarget + PutScalingPolicy in one). The replica count moves into the new range at once.
 */
export async function setVariantAutoscaling(db: Db, endpointId: string, variantName: string, policy: AutoscalingPolicy | null, actor: Principal): Promise<EndpointView> {
  const row = await loadFor(db, endpointId, actor, "models:write");
  const variant = row.variants.find((v) => v.name === variantName && v.state === "active");
  if (!variant) throw new AppError("not_found", `Endpoint ${row.name} has no variant named ${variantName} in service.`);
  if (variant.runtime !== "python") {
    throw new AppError("validation_failed", `variant: ${variantName} is answered in-process by the studio's web server (ONNX): it has no model server replicas to scale; scale the web server instead.`, {
      issues: [{ path: "variant", message: "ONNX in-process variants have no replicas to scale" }],
    });
  }
  const writes: Prisma.PrismaPromise<unknown>[] = [db.endpointVariant.update({ where: { id: variant.id }, data: { autoscaling: policy ? JSON.stringify(policy) : null } })];
  if (policy && (variant.replicas < policy.minReplicas || variant.replicas > policy.maxReplicas)) {
    const to = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, variant.replicas));
    writes.push(
      db.endpointVariant.update({ where: { id: variant.id }, data: { replicas: to } }),
      db.endpointScalingEvent.create({ data: { endpointId, variant: variantName, fromReplicas: variant.replicas, toReplicas: to, reason: `the new policy keeps ${policy.minReplicas}–${policy.maxReplicas} replicas` } }),
    );
  }
  await db.$transaction(writes);
  return endpointView(db, { id: endpointId });
}
