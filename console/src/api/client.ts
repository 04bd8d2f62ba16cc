import createClient from "openapi-fetch";
import type { paths } from "../../../openapi/beckon";

/** A failed admin API call, in Beckon's error shape (`{error: {code, message, problems?}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export type AdminClient = ReturnType<typeof createAdminClient>;

/**
 * The console's only way to the server: a client generated from Beckon's OpenAPI document,
 * so the console uses exactly the documented admin API. The key rides in a header, never a URL.
 */
export function createAdminClient(key: string, onUnauthorized: () => void) {
  const client = createClient<paths>({ baseUrl: location.origin });
  client.use({
    onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${key}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return response;
    },
  });
  return client;
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a call, or an ApiError carrying the server's own message and field problems. */
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? {}) as {
    error?: { code?: string; message?: string; problems?: { field: string; message: string }[] };
  };
  throw new ApiError(
    response.status,
    body.error?.code ?? `http_${response.status}`,
    body.error?.message ?? `${response.status} ${response.statusText}`,
    body.error?.problems,
  );
}
