import { Hono } from "hono";
import { SignJWT } from "jose";
import * as z from "zod";
import { sealSecret } from "../../stores/config/identity-keys";
import { database } from "../../stores/d1/client";
import { apps, identityKeys } from "../../stores/d1/schema";
import { and, eq } from "drizzle-orm";
import { bumpConfigVersion } from "../../stores/config/config-version";
import { parseJson, readBody } from "../middleware/body";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { serveAsset } from "../static-asset";
import { identityKeysSecret } from "../middleware/user-token";

/**
 * The demo shop (mounted at `/demo`): its page, a static asset, and its token endpoint.
 *
 * `POST /demo/token {"userId"}` → `{"userToken", "expiresIn"}`: the demo shop's stand-in for an
 * app backend that mints user tokens for its signed-in person (docs/api.md "Identity verification").
 * Served only when DEMO_TOKENS=true (`npm start` sets it) and only ever for the demo app: it signs
 * with a secret that is registered on the demo app alone (created here on first use), so its
 * tokens verify nowhere else. The demo shop has no real login, so anyone who can reach it may
 * mint tokens for any demo person: never set DEMO_TOKENS on a deployment that serves real apps'
 * people through an app called `demo`.
 */
export const demoRoutes = new Hono<HonoEnv>();

// The page is a static asset (public/demo/index.html links demo/index.html).
demoRoutes.get("/", (c) =>
  serveAsset(c, "/demo/", { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }),
);

export const DEMO_APP_ID = "demo";
const DEMO_KEY_ID = "ik_demo";
const DEFAULT_DEMO_SECRET = "beckon-demo-user-token-secret";
const TOKEN_TTL_S = 600;

let keyReady = false;
async function ensureDemoKey(env: HonoEnv["Bindings"], secret: string): Promise<void> {
  if (keyReady) return;
  const db = database(env.DB);
  const [app] = await db.select({ id: apps.id }).from(apps).where(eq(apps.id, DEMO_APP_ID));
  if (!app) throw new DomainError(404, "not_found", "there is no demo app (npm start creates it)");
  const [key] = await db
    .select({ id: identityKeys.id })
    .from(identityKeys)
    .where(and(eq(identityKeys.appId, DEMO_APP_ID), eq(identityKeys.id, DEMO_KEY_ID)));
  if (!key) {
    const material = await sealSecret(identityKeysSecret(env), `${DEMO_APP_ID}/${DEMO_KEY_ID}`, secret);
    await db
      .insert(identityKeys)
      .values({
        id: DEMO_KEY_ID,
        appId: DEMO_APP_ID,
        alg: "HS256",
        label: "demo shop (POST /demo/token)",
        material,
        createdAt: Date.now(),
      })
      .onConflictDoNothing();
    await bumpConfigVersion(env.DB, DEMO_APP_ID);
  }
  keyReady = true;
}

const TokenRequest = z.object({ userId: z.string().min(1).max(256) }).strict();

demoRoutes.post("/token", async (c) => {
  if (c.env.DEMO_TOKENS !== "true")
    throw new DomainError(
      404,
      "not_found",
      "no route for POST /demo/token (demo tokens are off: DEMO_TOKENS is not true)",
    );
  const { text } = await readBody(c.req.raw, 4096, "request");
  const parsed = TokenRequest.safeParse(parseJson(text));
  if (!parsed.success) throw invalid(parsed.error);
  const secret = c.env.DEMO_USER_TOKEN_SECRET || DEFAULT_DEMO_SECRET;
  await ensureDemoKey(c.env, secret);
  const userToken = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", kid: DEMO_KEY_ID })
    .setSubject(parsed.data.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + TOKEN_TTL_S)
    .sign(new TextEncoder().encode(secret));
  return c.json({ userToken, expiresIn: TOKEN_TTL_S, appId: DEMO_APP_ID });
});

/** Tests: forget that the demo key exists. */
export function resetDemoKey(): void {
  keyReady = false;
}
