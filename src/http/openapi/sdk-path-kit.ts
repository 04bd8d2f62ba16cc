import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type * as z from "zod";
import { ErrorSchema } from "./openapi";

/** Pieces the SDK and webhook path descriptions share (sdk-paths.ts, sdk-ingest-paths.ts). */

export const error = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
export const WRITE_KEY = [{ writeKey: [] }];
export const sdkErrors = {
  400: error("Invalid input: the body names the field and the problem"),
  401: error("Missing or wrong write key, or a missing/invalid user token when the app requires identity verification"),
} as const;

export type Route = Omit<RouteConfig, "method" | "path">;
/** Documents one path (the registry only documents; the handlers are plain Hono routes). */
export type AddPath = (method: RouteConfig["method"], path: string, route: Route) => void;

export function pathAdder(registry: OpenAPIHono["openAPIRegistry"]): AddPath {
  return (method, path, route) => registry.registerPath({ method, path, ...route });
}

export const jsonRequest = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});
