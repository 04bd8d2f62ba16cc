import { Hono } from "hono";
import type { Context } from "hono";
import { deliveryEnv } from "../../delivery/delivery-env";
import { setConsent } from "../../delivery/feedback";
import { verifyUnsubscribe } from "../../delivery/unsubscribe";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { escapeXml } from "./xml";

/**
 * The unsubscribe link in marketing email (`/v1/unsubscribe?u=…&sig=…`): signed, so it needs no key.
 * A GET shows a confirmation form (link scanners prefetch GETs); the POST, also RFC 8058's one-click
 * from mail clients, opts the person out of email.
 */
export const unsubscribeRoutes = new Hono<HonoEnv>();

/** RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the signed link. */
unsubscribeRoutes.post("/", async (c) => {
  const target = await verifiedUnsubscribe(c);
  await setConsent(c.env, target, "email", "opted_out", "email:list-unsubscribe", c.get("now"));
  return c.html(page("You are unsubscribed", "You will no longer receive these emails."));
});

/** A person clicking the link: a confirmation form, because link scanners prefetch GETs. */
unsubscribeRoutes.get("/", async (c) => {
  await verifiedUnsubscribe(c);
  const action = escapeXml(new URL(c.req.url).pathname + new URL(c.req.url).search);
  return c.html(
    page(
      "Unsubscribe",
      `<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe from these emails</button></form>`,
    ),
  );
});

async function verifiedUnsubscribe(c: Context<HonoEnv>) {
  const secret = deliveryEnv(c.env).UNSUBSCRIBE_SECRET;
  const target = secret ? await verifyUnsubscribe(secret, new URL(c.req.url).searchParams) : null;
  if (!target) throw new DomainError(400, "invalid_link", "this unsubscribe link is not valid");
  return target;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:system-ui;max-width:32rem;margin:4rem auto"><h1>${title}</h1><p>${body}</p></body></html>`;
}
