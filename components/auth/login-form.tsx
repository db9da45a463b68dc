"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    if (result?.ok && !result.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setBusy(false);
    setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "Incorrect email or password.");
  }

  return (
    <Card className="p-6">
      <h1 className="mb-4 text-base font-semibold">Sign in</h1>
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <TextField label="Email" name="email" type="email" autoComplete="username" required autoFocus />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
        {error ? <ErrorNotice error={new Error(error)} /> : null}
        <Button type="submit" className="w-full" busy={busy}>
          Sign in
        </Button>
      </form>
    </Card>
  );
}
