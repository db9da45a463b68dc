import { redirect } from "next/navigation";
import { db } from "@/server/db";
import { sessionPrincipal } from "@/server/auth/current-user";
import { LoginForm } from "@/components/auth/login-form";
import { sameSitePath } from "@/lib/same-site-path";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  if ((await db().user.count()) === 0) redirect("/setup");
  if (await sessionPrincipal(db())) redirect("/");
  const { callbackUrl } = await searchParams;
  return <LoginForm callbackUrl={sameSitePath(callbackUrl)} />;
}
