// How slow is our password hash, next to OWASP's PBKDF2 recommendation (600,000 iterations of
// HMAC-SHA-256), measured side by side in one run? Sign-in must cost an attacker real work per
// guess yet stay well under a person's patience.
import { pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { hashPassword, verifyPassword } from "@/server/auth/password";
import { emit, percentile, time } from "./lib";

const n = Number(process.argv[2] ?? 20);
const pbkdf2Async = promisify(pbkdf2);
const stored = await hashPassword("correct horse battery staple");

// Interleave the two so machine noise hits both alike.
const ours: number[] = [];
const peer: number[] = [];
for (let i = 0; i < n; i++) {
  ours.push(...(await time(() => verifyPassword("correct horse battery staple", stored), 1)));
  peer.push(...(await time(() => pbkdf2Async("correct horse battery staple", randomBytes(16), 600_000, 32, "sha256"), 1)));
}
for (const p of [50, 95]) {
  emit({ bench: "password-hash", metric: `verify_p${p}`, value: +percentile(ours, p).toFixed(1), unit: "ms", peer: "pbkdf2-sha256-600k", peer_value: +percentile(peer, p).toFixed(1), n });
}
