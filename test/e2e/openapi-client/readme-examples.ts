import createClient from "openapi-fetch";
import type { paths } from "../../../openapi/beckon";

/**
 * The README's main examples through a client generated from the committed OpenAPI document
 * (openapi-typescript types + openapi-fetch). `tsc` checks this file on its own
 * (openapi-client.tsconfig.json), so a document that makes the README's campaign not compile
 * (say, defaulted fields coming out required) fails the test before anything runs.
 */

/** docs/campaigns.md "Worked examples": Onboarding, verbatim. The test compares it with the README's block. */
export const onboarding = {
  name: "Onboarding",
  trigger: { type: "event", event: "Signed Up" },
  reentry: "once",
  steps: [
    {
      type: "message",
      id: "welcome",
      channels: ["push", "email"],
      content: {
        push: {
          title: "Welcome, {{ user.first_name | default: 'friend' }}!",
          body: "Set up your profile",
          deepLink: "shop://profile",
        },
        email: { subject: "Welcome to the shop", html: "<p>Hi {{ user.first_name }}</p>" },
      },
    },
    { type: "delay", id: "a-day", duration: { days: 1 } },
    {
      type: "branch",
      id: "completed",
      condition: { did: { event: "Profile Completed" } },
      then: "done",
      else: "nudge",
    },
    {
      type: "message",
      id: "nudge",
      channels: ["push", "in_app"],
      content: {
        push: { body: "Finish your profile for 10% off", deepLink: "shop://profile" },
        in_app: { type: "banner", title: "Almost there", body: "Complete your profile" },
      },
    },
    { type: "exit", id: "done" },
  ],
} satisfies paths["/admin/campaigns"]["post"]["requestBody"]["content"]["application/json"];

export interface ReadmeRun {
  appId: string;
  adminKey: string;
  serverKeyPrefix: string;
  campaignId: string;
  campaignStatus: string;
  trackAccepted: number;
  profile: { userId: string; events: number; firstName: unknown; lifecycle: string };
  timeline: string[];
  unknownUser: { status: number; code: string | undefined };
}

/** Quick start and API reference, in order: an app and keys, the onboarding campaign, an event, the profile. */
export async function runReadmeExamples(baseUrl: string, operatorToken: string): Promise<ReadmeRun> {
  const operator = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${operatorToken}` } });
  const created = await operator.POST("/admin/apps", {
    body: { name: "README shop", settings: { identityVerification: "off" } },
  });
  if (!created.data) throw new Error(`POST /admin/apps: ${JSON.stringify(created.error)}`);
  const { appId, writeKey, adminKey } = created.data;
  const serverKey = await operator.POST("/admin/apps/{appId}/keys", {
    params: { path: { appId } },
    body: { kind: "server", label: "backend" },
  });
  if (!serverKey.data) throw new Error(`POST /admin/apps/{appId}/keys: ${JSON.stringify(serverKey.error)}`);

  const admin = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminKey}` } });
  // README Quick start: quiet hours are on by default; a test at any hour turns them off.
  const settings = await admin.PATCH("/admin/app/settings", { body: { quietHours: null } });
  if (!settings.data) throw new Error(`PATCH /admin/app/settings: ${JSON.stringify(settings.error)}`);

  const campaign = await admin.POST("/admin/campaigns", { body: onboarding });
  if (!campaign.data) throw new Error(`POST /admin/campaigns: ${JSON.stringify(campaign.error)}`);
  const activated = await admin.POST("/admin/campaigns/{id}/activate", { params: { path: { id: campaign.data.id } } });
  if (!activated.data) throw new Error(`activate: ${JSON.stringify(activated.error)}`);

  // The SDK side: the write key as the Basic auth username (Segment's scheme).
  const sdk = createClient<paths>({ baseUrl, headers: { authorization: `Basic ${btoa(`${writeKey}:`)}` } });
  const identified = await sdk.POST("/v1/identify", { body: { userId: "ada", traits: { first_name: "Ada" } } });
  if (!identified.data) throw new Error(`identify: ${JSON.stringify(identified.error)}`);
  const tracked = await sdk.POST("/v1/track", {
    body: { userId: "ada", event: "Signed Up", properties: { plan: "pro" } },
  });
  if (!tracked.data) throw new Error(`track: ${JSON.stringify(tracked.error)}`);

  const user = await admin.GET("/admin/users/{userId}", { params: { path: { userId: "ada" } } });
  if (!user.data) throw new Error(`GET /admin/users/ada: ${JSON.stringify(user.error)}`);
  const timeline = await admin.GET("/admin/users/{userId}/timeline", {
    params: { path: { userId: "ada" }, query: { limit: 50 } },
  });
  if (!timeline.data) throw new Error(`timeline: ${JSON.stringify(timeline.error)}`);
  const unknown = await admin.GET("/admin/users/{userId}", { params: { path: { userId: "nobody-here" } } });

  return {
    appId,
    adminKey,
    serverKeyPrefix: serverKey.data.prefix,
    campaignId: campaign.data.id,
    campaignStatus: activated.data.status,
    trackAccepted: tracked.data.accepted,
    profile: {
      userId: user.data.profile.userId,
      events: user.data.profile.counters.events,
      firstName: user.data.profile.traits.first_name,
      lifecycle: user.data.profile.lifecycle.state,
    },
    timeline: timeline.data.entries.map((e) => `${e.kind} ${JSON.stringify(e.detail)}`),
    unknownUser: { status: unknown.response.status, code: unknown.error?.error.code },
  };
}
