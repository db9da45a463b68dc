import { redirect } from "next/navigation";
import { db } from "@/server/db";
import { SetupForm } from "@/components/auth/setup-form";

export const metadata = { title: "Set up" };

export default async function SetupPage() {
  if ((await db().user.count()) > 0) redirect("/login");
  return <SetupForm />;
}
