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
