import type * as z from "zod";

/** One problem with an input: which field, and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The statuses a refusal may carry: the edge answers with this status and a JSON body. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 426 | 429 | 500 | 502 | 503;

/**
 * A refusal anywhere in Beckon (domain, stores, routes): a status, a stable code, a message
 * naming the field, and the field problems. Lower layers throw it; only the HTTP layer turns it
 * into a response, so no module below `http/` needs to know about HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly problems?: FieldProblem[],
  ) {
    super(message);
  }
}

/** zod's issues as field problems: `prefix.path.to.field`, "(body)" for the whole body. */
export function problemsOf(error: z.ZodError, prefix = ""): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((s) => s !== "").join(".") || "(body)",
    message: isMissing(issue) ? "required" : issue.message,
  }));
}

/** zod reports an absent field as a type mismatch with `undefined` ("expected string, received undefined"): say "required". */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === "invalid_type" && issue.path.length > 0 && /received undefined$/.test(issue.message);
}

export function invalid(error: z.ZodError, prefix = ""): DomainError {
  const problems = problemsOf(error, prefix);
  const first = problems[0];
  return new DomainError(400, "invalid_input", first ? `${first.field}: ${first.message}` : "invalid input", problems);
}

/** The thing asked for does not exist (in this app): `no campaign cmp_1`, a 404. */
export function notFound(what: string, id: string, problems?: FieldProblem[]): DomainError {
  return new DomainError(404, "not_found", `no ${what} ${id}`, problems);
}
