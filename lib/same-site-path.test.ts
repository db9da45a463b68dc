import { describe, expect, it } from "vitest";
import { sameSitePath } from "@/lib/same-site-path";

describe("sameSitePath", () => {
  it("keeps paths on this site", () => {
    expect(sameSitePath("/admin/hosts?x=1#top")).toBe("/admin/hosts?x=1#top");
    expect(sameSitePath("/")).toBe("/");
  });

  it("turns anything that leaves the site into /", () => {
    // "/\t/evil.com" is what the page receives for ?callbackUrl=/%09/evil.com: browsers drop the tab.
    for (const evil of ["//evil.com", "/\\evil.com", "/\t/evil.com", "https://evil.com", "javascript:alert(1)", "", undefined, ["/a", "/b"]]) {
      expect(sameSitePath(evil)).toBe("/");
    }
  });
});
