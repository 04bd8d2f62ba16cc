/** Examples shown in the API reference: the worked examples of docs/campaigns.md, so both stay one. */

/** docs/campaigns.md "Worked examples": Onboarding. */
export const ONBOARDING_CAMPAIGN = {
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
};
