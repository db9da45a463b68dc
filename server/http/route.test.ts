import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError, validationError } from "@/server/errors";
import { NextRequest } from "next/server";
import { assertSameOrigin, errorResponse } from "@/server/http/route";

describe("errorResponse", () => {
  it("maps an AppError to its status and the envelope, with Retry-After when rate limited", async () => {
    const res = errorResponse(new AppError("rate_limited", "Too many failed sign-ins.", { retryAfterSeconds: 90 }));
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("90");
    expect(await res.json()).toEqual({ error: { code: "rate_limited", message: "Too many failed sign-ins." } });
  });

  it("names each invalid field in a 422", async () => {
    const parsed = z.object({ url: z.url(), name: z.string().min(1) }).safeParse({ url: "nope", name: "" });
    const res = errorResponse(validationError(parsed.error!, "Body"));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.issues.map((i: { path: string }) => i.path)).toEqual(["url", "name"]);
    expect(body.error.message).toContain("url:");
  });

  it("turns a unique-constraint race (Prisma P2002) into a 409, not a 500", async () => {
    const res = errorResponse(Object.assign(new Error("Unique constraint failed"), { code: "P2002" }));
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe("conflict");
  });

  it("hides unknown errors behind an id that is also logged, with no stack trace", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = errorResponse(new Error("secret internals at /work/main/server/x.ts:12"));
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.code).toBe("internal");
    expect(body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain("secret internals");
    expect(log.mock.calls[0][0]).toContain(body.error.errorId);
    log.mockRestore();
  });
});

describe("assertSameOrigin", () => {
  const req = (method: string, headers: Record<string, string>) =>
    new NextRequest("http://studio.example:3000/api/users", { method, headers: { host: "studio.example:3000", ...headers } });

  it("lets the studio's own pages and non-browser clients change things", () => {
    expect(() => assertSameOrigin(req("POST", { origin: "http://studio.example:3000" }))).not.toThrow();
    expect(() => assertSameOrigin(req("POST", { "sec-fetch-site": "same-origin" }))).not.toThrow();
    expect(() => assertSameOrigin(req("POST", {}))).not.toThrow();
    expect(() => assertSameOrigin(req("GET", { origin: "http://evil.example" }))).not.toThrow();
  });

  it("refuses a change sent by another site's page", () => {
    const attacks: Record<string, string>[] = [{ origin: "http://evil.example" }, { origin: "http://studio.example:3001" }, { "sec-fetch-site": "same-site" }, { origin: "null" }];
    for (const headers of attacks) {
      expect(() => assertSameOrigin(req("POST", headers))).toThrow(/Cross-site request refused/);
    }
    expect(() => assertSameOrigin(req("DELETE", { "sec-fetch-site": "cross-site" }))).toThrow(AppError);
  });
});
