/**
 * A redirect target after sign-in, reduced to a path on this site, so the sign-in page cannot be
 * used to bounce people to another site (`//evil`, `/\\evil`, `/%09/evil` all resolve elsewhere).
 */
export function sameSitePath(target: unknown): string {
  if (typeof target !== "string" || !target.startsWith("/")) return "/";
  const probe = "http://studio.invalid";
  try {
    const url = new URL(target, probe);
    return url.origin === probe ? `${url.pathname}${url.search}${url.hash}` : "/";
  } catch {
    return "/";
  }
}
