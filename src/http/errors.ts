import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** One problem with the input: which field, and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The single error shape of every Beckon endpoint. */
export interface ErrorBody {
  error: { code: string; message: string; problems?: FieldProblem[] };
}

/** A failure the HTTP layer turns into a JSON error response. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly problems?: FieldProblem[],
  ) {
    super(message);
  }
}

export function problemsOf(error: z.ZodError, prefix = ""): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((s) => s !== "").join(".") || "(body)",
    message: issue.message,
  }));
}

export function invalid(error: z.ZodError, prefix = ""): HttpError {
  const problems = problemsOf(error, prefix);
  const first = problems[0];
  return new HttpError(400, "invalid_input", first ? `${first.field}: ${first.message}` : "invalid input", problems);
}

export function errorResponse(c: Context, err: unknown): Response {
  if (err instanceof HttpError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message, ...(err.problems ? { problems: err.problems } : {}) } };
    return c.json(body, err.status);
  }
  console.error("unhandled error", err);
  return c.json({ error: { code: "internal", message: "internal error" } } satisfies ErrorBody, 500);
}
