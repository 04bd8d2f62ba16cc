/**
 * Carrier-standard SMS keywords (CTIA; the ones Twilio Advanced Opt-Out honours).
 * Matched on the whole trimmed message, case-insensitively, as carriers do.
 */
export const OPT_OUT_KEYWORDS = [
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "OPTOUT",
  "REVOKE",
] as const;
export const OPT_IN_KEYWORDS = ["START", "YES", "UNSTOP"] as const;
export const HELP_KEYWORDS = ["HELP", "INFO"] as const;

export type KeywordAction = "opt_out" | "opt_in" | "help" | null;

export function keywordAction(body: string | null | undefined): KeywordAction {
  const word = (body ?? "")
    .trim()
    .replace(/[.!]+$/, "")
    .toUpperCase();
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(word)) return "opt_out";
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(word)) return "opt_in";
  if ((HELP_KEYWORDS as readonly string[]).includes(word)) return "help";
  return null;
}
