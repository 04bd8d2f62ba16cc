/** Tiny DOM helpers: elements are built with textContent only (message text is never parsed as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

let counter = 0;
export const uid = (p: string) => `bk-${p}-${++counter}`;

const STYLE_ID = "beckon-style";
const STYLES = `
.bk-overlay{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483000;font:15px/1.4 system-ui,sans-serif}
.bk-dialog{background:#fff;color:#111;border-radius:12px;max-width:min(92vw,420px);max-height:90vh;overflow:auto;padding:20px;box-shadow:0 10px 40px rgba(0,0,0,.3);position:relative}
.bk-fullscreen .bk-dialog{max-width:none;width:100vw;height:100vh;max-height:none;border-radius:0}
.bk-banner{position:fixed;left:12px;right:12px;top:12px;z-index:2147483000;background:#111;color:#fff;border-radius:10px;padding:12px 44px 12px 16px;font:15px/1.4 system-ui,sans-serif;box-shadow:0 6px 24px rgba(0,0,0,.3)}
.bk-dialog h2,.bk-banner h2{margin:0 0 8px;font-size:1.15em}
.bk-dialog img{max-width:100%;border-radius:8px;margin-bottom:10px}
.bk-buttons{display:flex;gap:8px;flex-wrap:wrap;margin-top:14px}
.bk-btn{font:inherit;padding:8px 14px;border-radius:8px;border:1px solid #888;background:#fff;color:#111;cursor:pointer}
.bk-btn.bk-primary{background:#4338ca;border-color:#4338ca;color:#fff}
.bk-close{position:absolute;top:6px;right:8px;font:inherit;font-size:20px;background:none;border:0;color:inherit;cursor:pointer;padding:4px 8px}
.bk-btn:focus-visible,.bk-close:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.bk-q{border:0;padding:0;margin:10px 0}.bk-q legend{font-weight:600;margin-bottom:4px}.bk-q label{display:block;margin:2px 0}.bk-q textarea{width:100%;box-sizing:border-box}
.bk-cards{list-style:none;margin:0;padding:0;display:grid;gap:10px;font:15px/1.4 system-ui,sans-serif}
.bk-card{border:1px solid #ddd;border-radius:10px;padding:12px;background:#fff;color:#111}
.bk-card.bk-unread{border-left:4px solid #4338ca}.bk-card h3{margin:0 0 6px;font-size:1.05em}.bk-card img{max-width:100%;border-radius:6px}
.bk-card .bk-buttons{margin-top:8px}.bk-empty{color:#666}
`;

export function injectStyles(): void {
  if (document.getElementById(STYLE_ID)) return;
  document.head.append(h("style", { id: STYLE_ID }, STYLES));
}

/** Elements that can take keyboard focus inside a container, in tab order. */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [
    ...root.querySelectorAll<HTMLElement>("button,a[href],input,textarea,select,[tabindex]:not([tabindex='-1'])"),
  ].filter((el) => !el.hasAttribute("disabled"));
}
