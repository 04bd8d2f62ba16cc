/**
 * One stable `operationId` per operation ("METHOD path" → id), the names generated clients
 * and the operator console use. Routes declared with their own `operationId` keep it; one
 * missing here gets a name derived from its method and path (see `derivedOperationId`).
 */
export const OPERATION_IDS: Record<string, string> = {
  "GET /": "getServiceInfo",
  "POST /admin/apps": "createApp",
  "POST /admin/apps/{appId}/keys": "createAppKey",
  "DELETE /admin/apps/{appId}/keys/{prefix}": "revokeAppKey",
  "GET /admin/app": "getApp",
  "PATCH /admin/app/settings": "updateAppSettings",
  "POST /admin/app/identity-keys": "createIdentityKey",
  "GET /admin/app/identity-keys": "listIdentityKeys",
  "DELETE /admin/app/identity-keys/{id}": "deleteIdentityKey",
  "GET /admin/users/{userId}": "getUser",
  "DELETE /admin/users/{userId}": "eraseUser",
  "GET /admin/users/{userId}/timeline": "getUserTimeline",
  "GET /admin/users/{userId}/export": "exportUser",
  "POST /admin/users/{userId}/tick": "tickUser",
  "POST /admin/tick": "tickUsers",
  "POST /admin/users/{userId}/in-app": "sendTestInAppMessage",
  "GET /admin/users/{userId}/in-app": "getUserInApp",
  "POST /admin/users/{userId}/cards": "sendTestContentCard",
  "POST /admin/campaigns": "createCampaign",
  "GET /admin/campaigns": "listCampaigns",
  "GET /admin/campaigns/{id}": "getCampaign",
  "POST /admin/campaigns/{id}/activate": "activateCampaign",
  "POST /admin/campaigns/{id}/pause": "pauseCampaign",
  "POST /admin/campaigns/{id}/archive": "archiveCampaign",
  "POST /admin/campaigns/{id}/trigger": "triggerCampaign",
  "POST /admin/campaigns/{id}/broadcast": "broadcastCampaign",
  "GET /admin/campaigns/{id}/stats": "getCampaignStats",
  "GET /admin/sends": "listSends",
  "GET /admin/sends/{idempotencyKey}": "getSend",
  "GET /admin/dead-letters": "listDeadLetters",
  "POST /admin/dead-letters/{id}/replay": "replayDeadLetter",
  "GET /admin/segments/lifecycle": "getLifecycleCounts",
  "GET /admin/segments/lifecycle/history": "getLifecycleHistory",
  "POST /admin/segments/recompute": "recomputeSegments",
  "GET /admin/segments/model": "getChurnModel",
  "GET /admin/segments/rfm": "getRfmGrid",
  "GET /admin/segments/activity": "getActivity",
  "GET /admin/segments": "listSegments",
  "POST /admin/segments": "createSegment",
  "GET /admin/segments/{segmentId}": "getSegment",
  "PUT /admin/segments/{segmentId}": "replaceSegment",
  "DELETE /admin/segments/{segmentId}": "deleteSegment",
  "GET /admin/segments/{segmentId}/count": "countSegment",
  "POST /admin/geofences": "createGeofence",
  "GET /admin/geofences": "listGeofences",
  "GET /admin/geofences/{id}": "getGeofence",
  "PATCH /admin/geofences/{id}": "updateGeofence",
  "DELETE /admin/geofences/{id}": "deleteGeofence",
  "POST /admin/geofences/import": "importGeofences",
  "POST /admin/beacons": "createBeacon",
  "GET /admin/beacons": "listBeacons",
  "GET /admin/beacons/{id}": "getBeacon",
  "DELETE /admin/beacons/{id}": "deleteBeacon",
};

/** `GET /admin/foo-bar/{id}` → `getAdminFooBarById`: unique per method and path. */
export function derivedOperationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter(Boolean)
    .flatMap((seg) => (seg.startsWith("{") ? ["by", seg.slice(1, -1)] : seg.split(/[^A-Za-z0-9]+/)))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}
