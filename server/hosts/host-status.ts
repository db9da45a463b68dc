import { z } from "zod";

export const hostStatuses = ["unknown", "healthy", "unreachable", "auth_failed", "error", "disabled"] as const;
export type HostStatus = (typeof hostStatuses)[number];

export const kernelSpecSchema = z.object({
  name: z.string(),
  displayName: z.string(),
  language: z.string(),
});
export type KernelSpecSummary = z.infer<typeof kernelSpecSchema>;

export const gpuSchema = z.object({
  index: z.number().int().nullable(),
  name: z.string().nullable(),
  uuid: z.string().nullable(),
  memory_total_bytes: z.number().nullable(),
  memory_used_bytes: z.number().nullable(),
  utilization_percent: z.number().nullable(),
  temperature_c: z.number().nullable().optional(),
});

/** What kernels/probe/hardware_probe.py prints, validated before it is stored. */
export const hardwareSchema = z.object({
  cpu_count: z.number().int().nullable(),
  cpu_model: z.string().nullable(),
  memory_total_bytes: z.number().nullable(),
  memory_available_bytes: z.number().nullable(),
  platform: z.string().nullable(),
  python_version: z.string().nullable(),
  hostname: z.string().nullable(),
  gpus: z.array(gpuSchema),
  gpu_error: z.string().nullable(),
});
export type Hardware = z.infer<typeof hardwareSchema>;
