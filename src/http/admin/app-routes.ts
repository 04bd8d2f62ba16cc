import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { eq, sql } from "drizzle-orm";
import { AppSettings } from "../../domain/settings/app-settings";
import { database } from "../../stores/d1/client";
import { apps } from "../../stores/d1/schema";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";

/** The app's own settings (lifecycle thresholds, caps, quiet hours…). Every change bumps the config version. */
export const adminAppRoutes = adminRouter();

// The stored settings, parsed: every field is there (defaults filled in).
const AppView = z
  .object({
    appId: z.string(),
    name: z.string(),
    configVersion: z.number(),
    settings: AppSettings.openapi("AppSettings"),
  })
  .openapi("App");
const SettingsPatch = z.record(z.string(), z.unknown()).openapi("AppSettingsPatch", {
  description:
    "Top-level settings to change; an object value is merged into the current one, `null` clears a nullable setting. The result is validated whole (AppSettings).",
  example: { quietHours: null, lifecycle: { dormantDays: 21 } },
});

adminAppRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["app"],
    summary: "The app, its config version and settings",
    security: [{ admin: [] }],
    responses: responses(AppView, "The app"),
  }),
  async (c) => {
    const [row] = await database(c.env.DB)
      .select()
      .from(apps)
      .where(eq(apps.id, c.get("app").appId));
    if (!row) throw new DomainError(404, "not_found", "app not found");
    return c.json(
      {
        appId: row.id,
        name: row.name,
        configVersion: row.configVersion,
        settings: AppSettings.parse(JSON.parse(row.settings)),
      },
      200,
    );
  },
);

adminAppRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/settings",
    tags: ["app"],
    summary: "Change settings (deep-merged per top-level key); takes effect within seconds",
    security: [{ admin: [] }],
    request: jsonBody(SettingsPatch),
    responses: responses(AppView, "The updated app"),
  }),
  async (c) => {
    const patch = c.req.valid("json");
    const db = database(c.env.DB);
    const appId = c.get("app").appId;
    const [row] = await db.select().from(apps).where(eq(apps.id, appId));
    if (!row) throw new DomainError(404, "not_found", "app not found");
    const merged: Record<string, unknown> = { ...JSON.parse(row.settings) };
    for (const [k, v] of Object.entries(patch))
      merged[k] =
        v && typeof v === "object" && !Array.isArray(v) && typeof merged[k] === "object"
          ? { ...(merged[k] as object), ...v }
          : v;
    const parsed = AppSettings.strict().safeParse(merged);
    if (!parsed.success) throw invalid(parsed.error, "settings");
    const [updated] = await db
      .update(apps)
      .set({ settings: JSON.stringify(parsed.data), configVersion: sql`${apps.configVersion} + 1` })
      .where(eq(apps.id, appId))
      .returning();
    return c.json({ appId, name: updated!.name, configVersion: updated!.configVersion, settings: parsed.data }, 200);
  },
);
