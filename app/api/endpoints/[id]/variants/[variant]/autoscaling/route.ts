// PUT /api/endpoints/[id]/variants/[variant]/autoscaling – { policy } sets the variant's target-tracking policy ({ policy: null } removes it)
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { autoscalingPolicy, variantName } from "@/lib/endpoints";
import { setVariantAutoscaling } from "@/server/endpoints/autoscaling";

const params = idParams.extend({ variant: variantName });
const body = z.object({ policy: autoscalingPolicy.nullable() });

export const PUT = route({ access: "models:write", params, body }, async ({ db, params, body, user, ip }) => {
  const endpoint = await setVariantAutoscaling(db, params.id, params.variant, body.policy, user);
  await recordAuditEvent(db, { action: "endpoint.autoscaling", actor: user, target: { type: "endpoint", id: params.id }, ip, detail: { variant: params.variant, policy: body.policy } });
  return { endpoint };
});
