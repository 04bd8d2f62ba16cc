import { describe, expect, it } from "vitest";
import {
  cachedTemplateCount,
  pickLocale,
  renderContent,
  renderTemplate,
  TemplateRenderError,
  validateContent,
  validateTemplate,
  type TemplateVars,
} from "../../src/domain/templates/render";

const vars = (over: Partial<TemplateVars> = {}): TemplateVars => ({
  user: { id: "u1", first_name: "Ana", plan: "pro", orders: 9, tags: ["vip", "beta"], nested: { city: "Lisbon" } },
  event: { cart_id: "c-42", revenue: 129.5, items: [{ name: "Shoe", category: "shoes" }] },
  campaign: { id: "cmp_1", name: "Cart reminder", variant: "A" },
  app: { id: "app_1" },
  now: "2026-11-24T09:30:00.000Z",
  ...over,
});

describe("validateTemplate", () => {
  it("accepts plain text and valid Liquid", () => {
    expect(validateTemplate("Hello")).toEqual({ ok: true });
    expect(validateTemplate('Hi {{ user.first_name | default: "there" }}!')).toEqual({ ok: true });
    expect(validateTemplate("{% if event.revenue > 100 %}big{% else %}small{% endif %}")).toEqual({ ok: true });
    expect(validateTemplate("{% for i in event.items %}{{ i.name | upcase }}{% endfor %}")).toEqual({ ok: true });
  });

  it("reports syntax errors with line and column", () => {
    const r = validateTemplate("Hello\n{{ user.first_name ");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/not closed/i);
    expect(r.line).toBe(2);
    expect(r.col).toBeGreaterThanOrEqual(1);
  });

  it("reports an unclosed block", () => {
    const r = validateTemplate("{% if user.plan == 'pro' %}yes");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/not closed/i);
  });

  it("reports unknown filters (strictFilters)", () => {
    const r = validateTemplate("Hi {{ user.first_name | upcasee }}");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/upcasee/);
    expect(r.line).toBe(1);
    expect(r.col).toBe(4);
  });

  it("reports unknown filters inside tags too", () => {
    expect(validateTemplate("{% assign n = user.first_name | nope %}{{ n }}").ok).toBe(false);
    expect(validateTemplate("{% for i in event.items %}{{ i.name | nope }}{% endfor %}").ok).toBe(false);
    expect(validateTemplate("{% capture x %}{{ user.first_name | nope }}{% endcapture %}").ok).toBe(false);
  });

  it("reports unknown tags", () => {
    const r = validateTemplate("{% frobnicate %}");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/frobnicate/);
  });

  it("rejects file tags: there are no partials", () => {
    for (const src of ["{% include 'x' %}", "{% render 'x' %}", "{% layout 'x' %}"]) {
      expect(validateTemplate(src).ok, src).toBe(false);
    }
  });

  it("validateContent names the field of each bad template", () => {
    const problems = validateContent(
      {
        title: "ok {{ user.first_name }}",
        body: "{{ x | nope }}",
        data: { url: "{% if %}" },
        buttons: ["fine", "{{ broken"],
      },
      "content",
    );
    expect(problems.map((p) => p.path).sort()).toEqual(["content.body", "content.buttons.1", "content.data.url"]);
    expect(problems.find((p) => p.path === "content.body")?.message).toMatch(/nope/);
  });
});

describe("renderTemplate", () => {
  it("renders traits, event properties, campaign and app", () => {
    expect(
      renderTemplate(
        "Hi {{ user.first_name }}, cart {{ event.cart_id }} ({{ campaign.name }}/{{ campaign.variant }}) {{ app.id }}",
        vars(),
      ),
    ).toBe("Hi Ana, cart c-42 (Cart reminder/A) app_1");
    expect(
      renderTemplate("{{ event.items[0].category }} {{ event.items.first.name }} {{ user.nested.city }}", vars()),
    ).toBe("shoes Shoe Lisbon");
  });

  it("renders missing values empty and supports default", () => {
    expect(renderTemplate("Hi {{ user.last_name }}!", vars())).toBe("Hi !");
    expect(renderTemplate('Hi {{ user.nickname | default: "there" }}!', vars())).toBe("Hi there!");
    expect(renderTemplate('Hi {{ user.first_name | default: "there" }}!', vars())).toBe("Hi Ana!");
    expect(renderTemplate('Hi {{ user.first_name | default: "there" }}!', vars({ user: { first_name: "" } }))).toBe(
      "Hi there!",
    );
    expect(renderTemplate("{{ missing.deeply.nested }}", vars())).toBe("");
  });

  it("supports conditions, loops and standard filters", () => {
    expect(renderTemplate("{% if event.revenue > 100 %}big{% else %}small{% endif %}", vars())).toBe("big");
    expect(renderTemplate("{{ user.tags | join: ', ' }}", vars())).toBe("vip, beta");
    expect(renderTemplate("{{ event.revenue | times: 2 }}", vars())).toBe("259");
    expect(renderTemplate("{{ user.orders | plus: 1 }}th order", vars())).toBe("10th order");
    expect(renderTemplate("{% assign n = user.first_name | size %}{{ n }}", vars())).toBe("3");
  });

  it("formats `now` with the date filter in UTC, or in a given IANA zone", () => {
    expect(renderTemplate('{{ now | date: "%Y-%m-%d %H:%M" }}', vars())).toBe("2026-11-24 09:30");
    expect(renderTemplate('{{ now | date: "%H:%M %a", "Asia/Tokyo" }}', vars())).toBe("18:30 Tue");
    expect(
      renderTemplate('{{ now | date: "%H:%M", user.timezone }}', vars({ user: { timezone: "America/New_York" } })),
    ).toBe("04:30");
  });

  it('reads the literal "now" as the send time, not the host clock', () => {
    const past = vars({ now: "2001-02-03T04:05:06.000Z" });
    expect(renderTemplate('{{ "now" | date: "%Y-%m-%d" }}', past)).toBe("2001-02-03");
    expect(renderTemplate('{{ "today" | date: "%Y" }}', past)).toBe("2001");
    expect(renderTemplate('{{ "now" | date_to_xmlschema }}', past)).toMatch(/^2001-02-03T04:05:06/);
    expect(renderTemplate('{{ "2020-01-01T00:00:00Z" | date: "%Y" }}', past)).toBe("2020");
  });

  it("outputs plain text by default and escapes variables in html mode", () => {
    const v = vars({ user: { first_name: "<b>Tom & Jerry</b>" } });
    expect(renderTemplate("Hi {{ user.first_name }}", v)).toBe("Hi <b>Tom & Jerry</b>");
    expect(renderTemplate("<p>Hi {{ user.first_name }}</p>", v, { html: true })).toBe(
      "<p>Hi &lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>",
    );
    expect(renderTemplate("<p>{{ user.first_name | raw }}</p>", v, { html: true })).toBe("<p><b>Tom & Jerry</b></p>");
  });

  it("builds deep links with url_encode", () => {
    expect(
      renderTemplate(
        "myapp://cart/{{ event.cart_id | url_encode }}?n={{ user.first_name | url_encode }}",
        vars({ user: { first_name: "Ana Sofia" } }),
      ),
    ).toBe("myapp://cart/c-42?n=Ana+Sofia");
  });

  it("does not expose inherited properties", () => {
    expect(renderTemplate("[{{ user.constructor }}][{{ user.__proto__ }}]", vars())).toBe("[][]");
  });

  it("returns strings without markup untouched and caches parsed templates", () => {
    expect(renderTemplate("Plain {not liquid}", vars())).toBe("Plain {not liquid}");
    const src = "Hi {{ user.first_name }} #cache";
    expect(renderTemplate(src, vars())).toBe("Hi Ana #cache");
    expect(renderTemplate(src, vars({ user: { first_name: "Bo" } }))).toBe("Hi Bo #cache");
  });

  it("throws TemplateRenderError for an invalid template", () => {
    expect(() => renderTemplate("{{ x | nope }}", vars())).toThrow(TemplateRenderError);
  });

  it("stops runaway loops with a TemplateRenderError instead of hanging", () => {
    const started = Date.now();
    expect(() => renderTemplate("{% for i in (1..100000000) %}{{ i }}{% endfor %}", vars())).toThrow(
      TemplateRenderError,
    );
    expect(() =>
      renderTemplate("{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}", vars()),
    ).toThrow(TemplateRenderError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("is synchronous", () => {
    const out = renderTemplate("{{ user.first_name }}", vars());
    expect(typeof out).toBe("string");
  });

  it("keeps working past the cache capacity", () => {
    for (let i = 0; i < 700; i++) expect(renderTemplate(`{{ user.first_name }}-${i}`, vars())).toBe(`Ana-${i}`);
    expect(renderTemplate("{{ user.first_name }}-0", vars())).toBe("Ana-0");
    expect(cachedTemplateCount()).toBeLessThanOrEqual(700);
  });

  it("renders a large email body (400 KB) and rejects one over the 1 MB parse limit", () => {
    const row = "<tr><td>{{ user.first_name }}</td><td>static cell padding text</td></tr>\n";
    const big = "<table>" + row.repeat(Math.ceil(400_000 / row.length)) + "</table>";
    expect(validateTemplate(big)).toEqual({ ok: true });
    const out = renderTemplate(big, vars(), { html: true });
    expect(out.startsWith("<table><tr><td>Ana</td>")).toBe(true);
    expect(out.includes("{{")).toBe(false);
    const huge = "{{ user.first_name }}" + "x".repeat(1_100_000);
    expect(validateTemplate(huge).ok).toBe(false);
  });
});

describe("renderContent", () => {
  it("renders every nested string and keeps the shape and non-strings", () => {
    const content = {
      title: "Hi {{ user.first_name }}",
      body: "Your cart {{ event.cart_id }} is waiting",
      deepLink: "myapp://cart/{{ event.cart_id }}",
      badge: 1,
      silent: false,
      image: null,
      data: { cart: "{{ event.cart_id }}", "{{ key }}": "k" },
      buttons: [{ label: "Open {{ user.first_name }}" }, "{{ campaign.variant }}"],
    };
    expect(renderContent(content, vars())).toEqual({
      title: "Hi Ana",
      body: "Your cart c-42 is waiting",
      deepLink: "myapp://cart/c-42",
      badge: 1,
      silent: false,
      image: null,
      data: { cart: "c-42", "{{ key }}": "k" },
      buttons: [{ label: "Open Ana" }, "A"],
    });
  });

  it("escapes variables in html fields only", () => {
    const v = vars({ user: { first_name: "<i>x</i>" } });
    const out = renderContent(
      { subject: "Hi {{ user.first_name }}", html: "<p>{{ user.first_name }}</p>", text: "{{ user.first_name }}" },
      v,
    );
    expect(out).toEqual({ subject: "Hi <i>x</i>", html: "<p>&lt;i&gt;x&lt;/i&gt;</p>", text: "<i>x</i>" });
  });

  it("does not mutate its input", () => {
    const content = { title: "Hi {{ user.first_name }}" };
    renderContent(content, vars());
    expect(content.title).toBe("Hi {{ user.first_name }}");
  });
});

describe("pickLocale", () => {
  const variants = { default: "en", pt: "pt", "pt-BR": "pt-BR", fr: "fr", "es-MX": "es-MX" };

  it("prefers the exact locale, then the language, then the default", () => {
    expect(pickLocale(variants, "pt-BR")).toBe("pt-BR");
    expect(pickLocale(variants, "pt_br")).toBe("pt-BR");
    expect(pickLocale(variants, "pt-PT")).toBe("pt");
    expect(pickLocale(variants, "fr-CA")).toBe("fr");
    expect(pickLocale(variants, "de-DE")).toBe("en");
    expect(pickLocale(variants, null)).toBe("en");
    expect(pickLocale(variants, "")).toBe("en");
  });

  it("uses another region of the same language before the default", () => {
    expect(pickLocale(variants, "es-ES")).toBe("es-MX");
    expect(pickLocale(variants, "es")).toBe("es-MX");
  });

  it("honours a custom fallback key and falls back to the first variant", () => {
    expect(pickLocale({ en: "en", de: "de" }, "ja", "en")).toBe("en");
    expect(pickLocale({ de: "de", fr: "fr" }, "ja")).toBe("de");
    expect(() => pickLocale({}, "en")).toThrow(RangeError);
  });

  it("works with content objects", () => {
    const v = { default: { title: "Hello" }, de: { title: "Hallo" } };
    expect(pickLocale(v, "de-AT")).toEqual({ title: "Hallo" });
  });
});
