/**
 * drizzle schema of the D1 database, one file per area in ./tables. Keep in step with migrations/*.sql.
 * `database()` (client.ts) takes the whole of it; repositories import the tables they use from here.
 */
export * from "./tables/apps";
export * from "./tables/people";
export * from "./tables/campaigns";
export * from "./tables/delivery";
export * from "./tables/segments";
export * from "./tables/geo";
export * from "./tables/analytics";
