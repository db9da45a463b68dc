import "server-only";
import { env } from "@/server/env";

/**
 * The studio's address as code on `host` must use it (the SDK in notebooks and jobs): loopback for
 * the local host, STUDIO_PUBLIC_URL for remote ones; null when a remote host has no way back.
 */
export function studioUrlForHost(host: { kind: string }): string | null {
  const config = env();
  if (host.kind === "local") return `http://127.0.0.1:${config.PORT}`;
  return config.STUDIO_PUBLIC_URL?.replace(/\/+$/, "") ?? null;
}

/**
 * Environment for a kernel: Kernel Gateway and Enterprise Gateway pass only KERNEL_* variables
 * from a start request into the kernel, so each studio variable travels with that prefix and the
 * SDK reads either form. Kept across kernel restarts (the gateway re-uses the start environment).
 */
export function kernelEnv(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [`KERNEL_${k}`, v]));
}
