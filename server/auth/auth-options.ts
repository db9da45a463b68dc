import "server-only";
import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "@/server/db";
import { AppError } from "@/server/errors";
import { signIn, SIGN_IN_FAILED } from "@/server/auth/sign-in";
import { clientIpFromHeaders } from "@/server/http/client-ip";

// Sessions are JWTs in an httpOnly cookie; the user row is re-read on every request
// (server/auth/current-user.ts), so a role change or a disabled account takes effect at once.
// Eight hours: a working day, after which people sign in again.
const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const email = credentials?.email ?? "";
        const password = credentials?.password ?? "";
        if (!email || !password) throw new Error(SIGN_IN_FAILED);
        try {
          const user = await signIn(db(), { email, password, ip: clientIpFromHeaders(req.headers ?? {}) });
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        } catch (error) {
          // next-auth hands this message to the sign-in page: only messages written for people go there.
          if (error instanceof AppError) throw new Error(error.message);
          const errorId = randomUUID();
          console.error(`[error ${errorId}] sign-in failed:`, error);
          throw new Error(`Sign-in failed on the server. Quote error id ${errorId} when reporting it.`);
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
      }
      return token;
    },
    session({ session, token }) {
      if (session.user && token.sub) Object.assign(session.user, { id: token.sub, sessionVersion: token.sv ?? 0 });
      return session;
    },
  },
};
