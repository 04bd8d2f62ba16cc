type Content = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : v == null ? "" : JSON.stringify(v));

/** Remote images do not load under the console's CSP: the image is named, with its alt text. */
function Image({ content }: { content: Content }) {
  if (!str(content.imageUrl)) return null;
  return (
    <div className="dp-image">
      image: {str(content.imageUrl)}
      <br />
      {str(content.imageAlt) ? `alt: “${str(content.imageAlt)}”` : "no alt text (decorative)"}
    </div>
  );
}

function Buttons({ buttons }: { buttons: unknown }) {
  if (!Array.isArray(buttons) || buttons.length === 0) return null;
  return (
    <div className="dp-buttons">
      {buttons.map((b: { id?: string; text?: string; label?: string }, i) => (
        <span key={b.id ?? i} className="dp-button">
          {b.text ?? b.label ?? b.id}
        </span>
      ))}
    </div>
  );
}

/** The survey's questions as the SDK lays them out: choices, a 1–5 rating or a text box, then the submit button. */
function Survey({ questions, submitLabel }: { questions: unknown; submitLabel: unknown }) {
  const qs = (Array.isArray(questions) ? questions : []) as {
    id?: string;
    prompt?: string;
    kind?: string;
    options?: unknown[];
    required?: boolean;
  }[];
  if (!qs.length) return null;
  return (
    <ol className="dp-survey" aria-label="Survey questions">
      {qs.map((q, i) => (
        <li key={q.id ?? i}>
          <span className="dp-prompt">
            {str(q.prompt)}
            {q.required ? " *" : ""}
          </span>
          {(q.kind === "single" || q.kind === "multi") && Array.isArray(q.options) && (
            <span className="dp-options">
              {q.options.map((o) => `${q.kind === "single" ? "○" : "☐"} ${str(o)}`).join("  ")}
            </span>
          )}
          {q.kind === "rating" && <span className="dp-options">1 · 2 · 3 · 4 · 5</span>}
          {q.kind === "text" && <span className="dp-options dp-textbox">free text</span>}
        </li>
      ))}
      <li className="dp-submit">
        <span className="dp-button">{str(submitLabel) || "Submit"}</span>
      </li>
    </ol>
  );
}

function Phone({ children, label }: { children: React.ReactNode; label: string }) {
  return (
    <figure className="phone" aria-label={label}>
      <div className="phone-screen">{children}</div>
    </figure>
  );
}

/**
 * The rendered message in the shape of the device it lands on: a lock-screen notification, an in-app
 * message in a phone, an email (subject and HTML in a sandboxed, script-less iframe), a chat bubble.
 */
export function DevicePreview({ channel, content, to }: { channel: string; content: Content; to?: unknown }) {
  switch (channel) {
    case "push": {
      const platforms = Array.isArray(to) && to.length ? to.map(str) : ["ios", "android"];
      return (
        <div className="dp-row">
          {[...new Set(platforms.map((p) => (p === "android" ? "android" : "ios")))].map((p) => (
            <Phone key={p} label={`${p === "ios" ? "iOS" : "Android"} lock screen`}>
              <div className={`lock lock-${p}`}>
                <div className="lock-time">9:41</div>
                <div className="notification">
                  <div className="notif-app">{p === "ios" ? "APP · now" : "App · now"}</div>
                  <div className="notif-title">{str(content.title)}</div>
                  <div className="notif-body">{str(content.body)}</div>
                </div>
              </div>
            </Phone>
          ))}
        </div>
      );
    }
    case "in_app": {
      const type = str(content.type) || "modal";
      return (
        <Phone label={`In-app ${type}`}>
          <div className={`inapp inapp-${type}`}>
            <Image content={content} />
            <div className="inapp-title">{str(content.title)}</div>
            <div className="inapp-body">{str(content.body)}</div>
            <Survey questions={content.questions} submitLabel={content.submitLabel} />
            <Buttons buttons={content.buttons} />
          </div>
        </Phone>
      );
    }
    case "content_card":
      return (
        <Phone label="Content card">
          <div className="card-preview">
            <Image content={content} />
            <div className="inapp-title">{str(content.title)}</div>
            <div className="inapp-body">{str(content.body)}</div>
            {str(content.deepLink) && (
              <div className="muted">
                {str(content.linkLabel) || "Open"} → {str(content.deepLink)}
              </div>
            )}
          </div>
        </Phone>
      );
    case "email":
      return (
        <div className="email-preview">
          <div className="email-head">
            {to != null && <div>To: {str((to as Content).email ?? to)}</div>}
            <div>
              Subject: <strong>{str(content.subject)}</strong>
            </div>
          </div>
          {/* sandbox without allow-scripts: the email's HTML cannot run code or reach the console */}
          <iframe title="Email body" sandbox="" srcDoc={str(content.html) || `<pre>${str(content.text)}</pre>`} />
        </div>
      );
    case "sms":
    case "whatsapp":
      return (
        <Phone label={channel === "sms" ? "SMS" : "WhatsApp"}>
          <div className={`chat chat-${channel}`}>
            {to != null && <div className="chat-to">{str(to)}</div>}
            <div className="bubble">{str(content.body ?? content.text ?? content.template)}</div>
          </div>
        </Phone>
      );
    default:
      return (
        <div className="webhook-preview">
          <div>
            {str(content.method) || "POST"} {str(content.url)}
          </div>
          <pre>
            {typeof content.body === "string" ? content.body : JSON.stringify(content.body ?? content, null, 2)}
          </pre>
        </div>
      );
  }
}
