/**
 * Error statuses that routes raise beyond the standard 400/401/404 of `responses()`, added to
 * the document in one place so the route declarations stay as they are. (A body over the size or
 * depth limit is a 400 `too_large`/`too_deep`, which the standard 400 covers.) Each is Beckon's Error
 * shape; keep in step with the `DomainError(409, …)` throws they describe.
 */
const CONFLICTS: Record<string, string> = {
  "POST /admin/apps": "An app with this id already exists",
  "POST /admin/app/identity-keys": "The app already has the maximum number of identity keys",
  "PUT /admin/campaigns/{id}": "Archived campaigns cannot change",
  "PATCH /admin/campaigns/{id}": "Archived campaigns cannot change",
  "DELETE /admin/campaigns/{id}": "Not a draft: archive it instead",
  "POST /admin/campaigns/{id}/activate": "Archived campaigns cannot be reactivated",
  "POST /admin/approvals/{id}/approve": "The request is no longer pending, or the campaign changed since it was made",
  "POST /admin/approvals/{id}/reject": "The request is no longer pending",
  "POST /admin/messages/test-send":
    "The person cannot receive this channel (`unreachable`: consent, no address, no live device); recorded on their timeline",
  "POST /admin/campaigns/{id}/pause": "Archived campaigns cannot be reactivated",
  "POST /admin/campaigns/{id}/trigger": "The campaign is not active",
  "POST /admin/campaigns/{id}/broadcast": "The campaign is not active",
  "POST /admin/segments": "The app has the maximum number of segments",
  "POST /admin/geofences": "externalId already used by another geofence of this app",
  "PATCH /admin/geofences/{id}": "externalId already used by another geofence of this app",
};

type Response = { description: string; content?: unknown };
type Operation = { responses: Record<string, Response> };
const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

export function addErrorResponses(method: string, path: string, op: Operation): void {
  const conflict = CONFLICTS[`${method.toUpperCase()} ${path}`];
  if (conflict) op.responses["409"] = { description: conflict, content: errorContent };
  // Every admin-key route checks the key's role (src/http/middleware/roles.ts); the operator API and the document do not.
  if (path.startsWith("/admin/") && !path.startsWith("/admin/apps") && path !== "/admin/openapi.json")
    op.responses["403"] = {
      description:
        "The key's role does not allow this (the message names the missing role), or an approver deciding their own request",
      content: errorContent,
    };
}
