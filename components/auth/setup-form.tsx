"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { api, ApiError } from "@/lib/api-client";
import { Button } from "@/components/ui/button";
import { Card, FormError } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";

/** First run: the person who installed the studio creates the admin account. */
export function SetupForm() {
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { name: String(form.get("name")), email: String(form.get("email")), password: String(form.get("password")) };
    if (input.password !== form.get("confirm")) {
      setError(new Error("The two passwords differ."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api("/api/setup", { body: input });
      const result = await signIn("credentials", { email: input.email, password: input.password, redirect: false });
      window.location.assign(result?.ok ? "/" : "/login");
    } catch (e) {
      setBusy(false);
      setError(e as Error);
    }
  }

  const fieldError = (path: string) => (error instanceof ApiError ? error.issueFor(path) : undefined);
  return (
    <Card className="p-6">
      <h1 className="text-base font-semibold">Welcome — create the admin account</h1>
      <p className="mt-1 mb-4 text-sm text-zinc-600 dark:text-zinc-400">
        This studio has no users yet. The account you create now can add everyone else.
      </p>
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <TextField label="Your name" name="name" required autoFocus error={fieldError("name")} />
        <TextField label="Email" name="email" type="email" autoComplete="username" required error={fieldError("email")} />
        <TextField label="Password" name="password" type="password" autoComplete="new-password" required hint="At least 8 characters." error={fieldError("password")} />
        <TextField label="Repeat password" name="confirm" type="password" autoComplete="new-password" required />
        <FormError error={error} />
        <Button type="submit" className="w-full" busy={busy}>
          Create admin and sign in
        </Button>
      </form>
    </Card>
  );
}
