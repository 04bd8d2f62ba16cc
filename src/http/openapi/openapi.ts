import { OpenAPIHono } from "@hono/zod-openapi";
import * as z from "zod";
import { invalid } from "../../kernel/errors";
import { isJsonObject } from "../../kernel/json";
import type { HonoEnv } from "../hono-env";

/** An admin sub-app: validation failures become the standard 400 error naming the field. */
export function adminRouter(): OpenAPIHono<HonoEnv> {
  return new OpenAPIHono<HonoEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalid(result.error as z.ZodError);
    },
  });
}

/** One problem with the input (src/http/middleware/errors.ts `FieldProblem`). */
export const FieldProblemSchema = z
  .object({
    field: z.string().openapi({
      description: "dotted path of the field, `(body)` for the body as a whole",
      example: "batch.1.userId",
    }),
    message: z.string().openapi({ example: "userId or anonymousId is required" }),
  })
  .openapi("FieldProblem");

/** The single error shape of every endpoint (src/http/middleware/errors.ts `ErrorBody`). */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({
        description: "machine-readable: invalid_input, unauthorized, not_found, conflict, too_large, …",
        example: "invalid_input",
      }),
      message: z
        .string()
        .openapi({ description: "for people; names the first field at fault", example: "name: required" }),
      problems: z
        .array(FieldProblemSchema)
        .optional()
        .openapi({ description: "every field at fault (bad input only)" }),
    }),
  })
  .openapi("Error", {
    example: {
      error: { code: "invalid_input", message: "name: required", problems: [{ field: "name", message: "required" }] },
    },
  });

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

/**
 * A JSON object of any shape (event properties, trigger payloads). Checked, not walked, as JSON:
 * `z.json()` is recursive, which the OpenAPI generator cannot follow.
 */
export const JsonObjectSchema = z
  .record(z.string(), z.unknown())
  .refine(isJsonObject, { message: "expected JSON values" });

export const UserIdParam = z.object({
  userId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: "userId", in: "path" }, example: "user-42" }),
});
export const AnonymousQuery = z.object({
  anonymous: z.enum(["true", "false"]).optional().openapi({ description: "the id is an anonymousId" }),
});
