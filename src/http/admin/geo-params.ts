import * as z from "zod";

/** What the geofence and beacon-region routes share: the path id and the list's paging and filters. */

export const GeoIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "geo_3f2a9c1b7e5d4a60b2c1" }),
});

export const GeoListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().openapi({ description: "cursor: the `next` of the previous page" }),
  tag: z.string().optional(),
  enabled: z.enum(["true", "false"]).optional(),
});
