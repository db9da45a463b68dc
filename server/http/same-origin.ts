/** Whether an `Origin` header names the host the request was sent to (same-origin browser request). */
export function originMatchesHost(origin: string | null | undefined, host: string | null | undefined): boolean {
  if (!origin || !host || !URL.canParse(origin)) return false;
  return new URL(origin).host === host;
}
