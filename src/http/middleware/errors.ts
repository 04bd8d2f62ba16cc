import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { DomainError, type ErrorStatus, type FieldProblem } from "../../kernel/errors";

/** The single error shape of every Beckon endpoint. */
export interface ErrorBody {
  error: { code: string; message: string; problems?: FieldProblem[] };
}

/** Codes for the statuses Hono's own middleware throws as HTTPException (validator, body limit, auth helpers). */
const CODE_OF_STATUS: Partial<Record<number, string>> = {
  400: "invalid_input",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

/**
 * Hono's HTTPException (e.g. the validator's "Malformed JSON in request body", 400) in
 * Beckon's error shape, keeping its status. A malformed body names the field "(body)".
 */
export function fromHttpException(err: HTTPException): DomainError {
  const status = (err.status >= 400 && err.status <= 599 ? err.status : 500) as ErrorStatus;
  const message = err.message || `request failed with status ${status}`;
  const malformed = /malformed/i.test(message);
  const problem = malformed && /json/i.test(message) ? "malformed JSON" : message;
  const code = CODE_OF_STATUS[status] ?? (status >= 500 ? "internal" : "http_error");
  return new DomainError(
    status,
    code,
    malformed ? `(body): ${problem}` : message,
    status === 400 ? [{ field: "(body)", message: problem }] : undefined,
  );
}

export function errorResponse(c: Context, err: unknown): Response {
  if (err instanceof HTTPException) err = fromHttpException(err);
  if (err instanceof DomainError) {
    const body: ErrorBody = {
      error: { code: err.code, message: err.message, ...(err.problems ? { problems: err.problems } : {}) },
    };
    return c.json(body, err.status);
  }
  console.error("unhandled error", err);
  return c.json({ error: { code: "internal", message: "internal error" } } satisfies ErrorBody, 500);
}
