import { redirect } from "next/navigation";
import { db } from "@/server/db";
import { sessionPrincipal } from "@/server/auth/current-user";
import { LoginForm } from "@/components/auth/login-form";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  if ((await db().user.count()) === 0) redirect("/setup");
  if (await sessionPrincipal(db())) redirect("/");
  const { callbackUrl } = await searchParams;
  // Only same-site paths, so the sign-in page cannot be used to bounce users elsewhere.
  const next = callbackUrl && callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  return <LoginForm callbackUrl={next} />;
}
