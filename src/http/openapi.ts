import { OpenAPIHono, z } from "@hono/zod-openapi";
import { invalid } from "./errors";
import type { HonoEnv } from "./hono-env";

/** An admin sub-app: validation failures become the standard 400 error naming the field. */
export function adminRouter(): OpenAPIHono<HonoEnv> {
  return new OpenAPIHono<HonoEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalid(result.error as z.ZodError);
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

/** Standard responses: the success body plus Beckon's error shape. */
export function responses<T extends z.ZodType>(schema: T, description: string) {
  const error = (d: string) => ({ description: d, content: { "application/json": { schema: ErrorSchema } } });
  return {
    200: { description, content: { "application/json": { schema } } },
    400: error("Invalid input: the body names the field and the problem"),
    401: error("Missing or wrong key"),
    404: error("Not found"),
  } as const;
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { "application/json": { schema } } } } as const;
}

export const UserIdParam = z.object({ userId: z.string().min(1).max(256).openapi({ param: { name: "userId", in: "path" }, example: "user-42" }) });
export const AnonymousQuery = z.object({ anonymous: z.enum(["true", "false"]).optional().openapi({ description: "the id is an anonymousId" }) });
