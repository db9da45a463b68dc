/**
 * The web server (server/web/main.ts) overwrites this header with the socket's address on every
 * request, so a client cannot choose the address that sign-in throttling and the audit log see.
 */
export const CLIENT_IP_HEADER = "x-studio-client-ip";

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export function clientIpFromHeaders(headers: HeaderBag): string | null {
  const value = headers instanceof Headers ? headers.get(CLIENT_IP_HEADER) : headers[CLIENT_IP_HEADER];
  const ip = Array.isArray(value) ? value[0] : value;
  return ip || null;
}

/** Whether a client address is this machine (IPv4, IPv6 or IPv4-mapped IPv6 loopback). */
export function isLoopback(ip: string | null | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return v4 === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
