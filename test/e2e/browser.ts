import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/**
 * The one way e2e tests get a headless Chromium: an installed Chrome/Chromium (CHROME_PATH or
 * CHROMIUM_PATH, then PATH, then common locations); else Debian's `chromium` when this process
 * can install it (root with apt-get); else one clear sentence saying what to install.
 */
const NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];
const LOCATIONS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/opt/google/chrome/chrome",
  "/snap/bin/chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

const isExecutable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const NO_BROWSER =
  "The browser tests need Chrome or Chromium: install it (Debian/Ubuntu: `apt-get install chromium`) or set CHROME_PATH to its executable.";

export interface BrowserLookup {
  env: Record<string, string | undefined>;
  isExecutable(path: string): boolean;
  /** Installs Debian's chromium, if this process can (root with apt-get); returns whether it tried. */
  install(): boolean;
}

function findInstalled({ env, isExecutable }: BrowserLookup): string | undefined {
  const configured = env.CHROME_PATH ?? env.CHROMIUM_PATH;
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new Error(
      `CHROME_PATH=${configured} is not an executable Chrome/Chromium: point it at one, or unset it to use an installed Chromium.`,
    );
  }
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean))
    for (const name of NAMES) if (isExecutable(join(dir, name))) return join(dir, name);
  return LOCATIONS.find(isExecutable);
}

/** Where Chrome/Chromium is, installing Debian's package when possible; else throws NO_BROWSER. */
export function locateChromium(lookup: BrowserLookup): string {
  const found = findInstalled(lookup);
  if (found) return found;
  if (lookup.install()) {
    const installed = findInstalled(lookup);
    if (installed) return installed;
  }
  throw new Error(NO_BROWSER);
}

function aptInstallChromium(): boolean {
  if (process.getuid?.() !== 0 || !isExecutable("/usr/bin/apt-get")) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["update", "-qq"], { env, stdio: "ignore", timeout: 600_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { env, stdio: "ignore", timeout: 1_200_000 });
  } catch {
    // the lookup after it says what is missing
  }
  return true;
}

let found: string | undefined;
export function chromiumPath(): string {
  return (found ??= locateChromium({ env: process.env, isExecutable, install: aptInstallChromium }));
}

export interface HeadlessBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh persistent profile in a temp dir, headless, no background traffic. */
export async function launchChromium(
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<HeadlessBrowser> {
  const profileDir = await mkdtemp(join(tmpdir(), "beckon-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: opts.viewport ?? { width: 1100, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}
