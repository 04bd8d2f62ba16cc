import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { call, createTestApp, OPERATOR } from "./helpers/api";
import { as, keyWithRole } from "./helpers/roles";

/** Roles of admin keys (issue 14): owner, editor, viewer and the approver right, enforced by the API. */
const DRAFT = {
  name: "Roles",
  trigger: { type: "event", event: "Signed Up" },
  steps: [{ type: "message", id: "m", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } }],
};

describe("admin key roles", () => {
  it("enforces the role matrix with a 403 naming the missing role", async () => {
    const app = await createTestApp();
    const keys = {
      owner: app.adminKey,
      editor: await keyWithRole(app, "editor"),
      viewer: await keyWithRole(app, "viewer"),
    };
    // [method, path, body, lowest role allowed]
    const cmp = (await (await as(app.adminKey, "/admin/campaigns", { method: "POST", json: DRAFT })).json()) as {
      id: string;
    };
    const matrix: Array<[string, string, unknown, "viewer" | "editor" | "owner"]> = [
      ["GET", "/admin/campaigns", undefined, "viewer"],
      ["GET", "/admin/app", undefined, "viewer"],
      ["GET", "/admin/sends", undefined, "viewer"],
      ["POST", "/admin/segments/preview", { filter: { type: "lifecycle", in: ["new"] } }, "viewer"],
      ["POST", "/admin/campaigns", DRAFT, "editor"],
      ["PATCH", `/admin/campaigns/${cmp.id}`, { name: "Renamed" }, "editor"],
      ["POST", "/admin/segments", { name: "s", filter: { type: "lifecycle", in: ["new"] } }, "editor"],
      [
        "POST",
        "/admin/geofences",
        { name: "HQ", shape: { type: "circle", center: { lat: 52.5, lng: 13.4 }, radiusM: 100 } },
        "editor",
      ],
      ["PATCH", "/admin/app/settings", { purchaseEvent: "Purchase" }, "owner"],
      ["POST", "/admin/app/identity-keys", { alg: "HS256" }, "owner"],
      ["DELETE", "/admin/users/nobody", undefined, "owner"],
      ["GET", "/admin/users/nobody/export", undefined, "owner"],
    ];
    const rank = { viewer: 0, editor: 1, owner: 2 } as const;
    for (const [method, path, json, lowest] of matrix) {
      for (const role of ["viewer", "editor", "owner"] as const) {
        const res = await as(keys[role], path, { method, ...(json !== undefined ? { json } : {}) });
        if (rank[role] >= rank[lowest]) expect(res.status, `${role} ${method} ${path}`).not.toBe(403);
        else {
          expect(res.status, `${role} ${method} ${path}`).toBe(403);
          const body = (await res.json()) as {
            error: { code: string; message: string; problems: { field: string; message: string }[] };
          };
          expect(body.error.code).toBe("forbidden");
          expect(body.error.message).toContain(`needs the ${lowest} role`);
          expect(body.error.problems).toEqual([{ field: "role", message: `requires ${lowest}` }]);
        }
      }
    }
  });

  it("tells the console what the current key may do", async () => {
    const app = await createTestApp();
    const viewer = await keyWithRole(app, "viewer", true);
    const me = (await (await as(viewer, "/admin/me")).json()) as Record<string, unknown>;
    expect(me).toMatchObject({
      appId: app.appId,
      role: "viewer",
      approver: true,
      capabilities: { read: true, editCampaigns: false, editSettings: false, testSend: false, approve: true },
    });
    const owner = (await (await as(app.adminKey, "/admin/me")).json()) as Record<string, unknown>;
    expect(owner).toMatchObject({
      role: "owner",
      approver: true,
      capabilities: { editCampaigns: true, editSettings: true, eraseUsers: true },
    });
    expect(String(owner.identity)).toMatch(/^key:bk_a_/);
    const editor = (await (await as(await keyWithRole(app, "editor"), "/admin/me")).json()) as Record<string, unknown>;
    expect(editor).toMatchObject({
      role: "editor",
      approver: false,
      capabilities: { editCampaigns: true, testSend: true, editSettings: false, approve: false },
    });
  });

  it("treats admin keys stored before roles existed as owners", async () => {
    const app = await createTestApp();
    await env.DB.prepare("UPDATE api_keys SET role = NULL, approver = 0 WHERE app_id = ? AND kind = 'admin'")
      .bind(app.appId)
      .run();
    clearKeyCache();
    const res = await as(app.adminKey, "/admin/app/settings", { method: "PATCH", json: { purchaseEvent: "Purchase" } });
    expect(res.status).toBe(200);
    expect(await (await as(app.adminKey, "/admin/me")).json()).toMatchObject({ role: "owner", approver: true });
  });

  it("refuses bad key requests, naming the field", async () => {
    const app = await createTestApp();
    const op = (json: unknown) =>
      call(`/admin/apps/${app.appId}/keys`, { method: "POST", headers: { authorization: `Bearer ${OPERATOR}` }, json });
    for (const [json, field] of [
      [{ kind: "admin", role: "admin" }, "role"],
      [{ kind: "write", role: "viewer" }, "role"],
      [{ kind: "server", approver: true }, "approver"],
      [{ kind: "admin", approver: "yes" }, "approver"],
    ] as const) {
      const res = await op(json);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toBe(field);
    }
    const plain = (await (await op({ kind: "admin" })).json()) as { role: string };
    expect(plain.role).toBe("owner");
  });
});
