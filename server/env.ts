import "server-only";
import { z } from "zod";

// Read lazily: `next build` imports route modules without the runtime environment.
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, "must be a file: URL (SQLite) or a postgres:// URL"),
  /** 32 random bytes, base64: encrypts gateway tokens at rest. `npm start` creates it in data/secrets.json. */
  STUDIO_SECRET_KEY: z.string().min(40, "must be 32 random bytes in base64"),
  NEXTAUTH_SECRET: z.string().min(32),
  /** Set by `npm start` for the gateway it launches on loopback. */
  LOCAL_GATEWAY_URL: z.url().optional(),
  LOCAL_GATEWAY_TOKEN: z.string().min(16).optional(),
  STUDIO_ADMIN_EMAIL: z.email().optional(),
  STUDIO_ADMIN_PASSWORD: z.string().min(8).optional(),
  /** Where the local artifact store keeps dataset (and later model) files; default data/artifacts. */
  STUDIO_ARTIFACTS_DIR: z.string().min(1).optional(),
  /** Largest file an upload may be, in bytes; default 20 GiB. */
  STUDIO_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(20 * 1024 ** 3),
  /** The web server's port (`npm start` sets it). */
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /**
   * How code on remote compute hosts reaches the studio (the SDK in kernels and jobs), e.g.
   * https://studio.example.com. The local host always uses http://127.0.0.1:$PORT.
   */
  STUDIO_PUBLIC_URL: z.url().optional(),
  /** How long a training job waits for its compute host to come back before it fails, in seconds. */
  STUDIO_JOB_HOST_WAIT_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600),
  /** How often the worker re-probes every host, in seconds. */
  STUDIO_PROBE_INTERVAL_SECONDS: z.coerce.number().int().min(2).max(3600).default(30),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    const parsed = envSchema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`Studio configuration is invalid: ${problems}. Start the studio with \`npm start\`, which sets these.`);
    }
    cached = parsed.data;
  }
  return cached;
}
