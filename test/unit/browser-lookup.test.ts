import { describe, expect, it } from "vitest";
import { type BrowserLookup, locateChromium, NO_BROWSER } from "../e2e/browser";

/** How the e2e tests find a browser on a fresh machine (test/e2e/browser.ts). */
const lookup = (
  executables: string[],
  env: Record<string, string | undefined>,
  install: () => boolean = () => false,
): BrowserLookup => ({
  env,
  isExecutable: (p) => executables.includes(p),
  install,
});

describe("locating Chrome/Chromium for the e2e tests", () => {
  it("prefers CHROME_PATH, then PATH, then common locations", () => {
    expect(
      locateChromium(lookup(["/x/chrome", "/usr/bin/chromium"], { CHROME_PATH: "/x/chrome", PATH: "/usr/bin" })),
    ).toBe("/x/chrome");
    expect(
      locateChromium(lookup(["/home/me/bin/google-chrome", "/usr/bin/chromium"], { PATH: "/home/me/bin:/usr/bin" })),
    ).toBe("/home/me/bin/google-chrome");
    expect(locateChromium(lookup(["/opt/google/chrome/chrome"], { PATH: "/usr/bin" }))).toBe(
      "/opt/google/chrome/chrome",
    );
  });

  it("a CHROME_PATH that is not executable is named, not silently skipped", () => {
    expect(() => locateChromium(lookup(["/usr/bin/chromium"], { CHROME_PATH: "/nope", PATH: "/usr/bin" }))).toThrow(
      "CHROME_PATH=/nope is not an executable Chrome/Chromium",
    );
  });

  it("installs Debian's chromium when none is found and it can, and uses it", () => {
    const executables: string[] = [];
    let installs = 0;
    const path = locateChromium(
      lookup(executables, { PATH: "/usr/local/bin" }, () => (installs++, executables.push("/usr/bin/chromium"), true)),
    );
    expect(path).toBe("/usr/bin/chromium");
    expect(installs).toBe(1);
  });

  it("otherwise fails with one sentence saying what to install", () => {
    expect(() => locateChromium(lookup([], { PATH: "/usr/bin" }))).toThrow(NO_BROWSER);
    expect(() => locateChromium(lookup([], { PATH: "/usr/bin" }, () => true))).toThrow(NO_BROWSER);
    expect(NO_BROWSER).toMatch(/apt-get install chromium/);
  });
});
