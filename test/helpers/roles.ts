import { expect } from "vitest";
import { call, OPERATOR, type TestApp } from "./api";

/** A new admin key of the app with this role (and the approver right), through the operator API. */
export async function keyWithRole(
  app: TestApp,
  role: "owner" | "editor" | "viewer",
  approver = false,
): Promise<string> {
  const res = await call(`/admin/apps/${app.appId}/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${OPERATOR}` },
    json: { kind: "admin", label: `${role} key`, role, approver },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { key: string; role: string; approver: boolean };
  expect(body.role).toBe(role);
  return body.key;
}

/** A request with another admin key than the app's own. */
export const as = (key: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
  call(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` } });
