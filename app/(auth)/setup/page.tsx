import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { db } from "@/server/db";
import { clientIpFromHeaders, isLoopback } from "@/server/http/client-ip";
import { SETUP_FROM_LOOPBACK_ONLY } from "@/server/users/setup-first-admin";
import { SetupForm } from "@/components/auth/setup-form";
import { Card } from "@/components/ui/card";

export const metadata = { title: "Set up" };

export default async function SetupPage() {
  if ((await db().user.count()) > 0) redirect("/login");
  if (!isLoopback(clientIpFromHeaders(await headers()))) {
    return (
      <Card className="p-6" role="alert">
        <h1 className="text-base font-semibold">This studio is not set up yet</h1>
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{SETUP_FROM_LOOPBACK_ONLY}</p>
      </Card>
    );
  }
  return <SetupForm />;
}
