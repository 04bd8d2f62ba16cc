/** JSON values: what crosses RPC and storage. (`unknown` is not RPC-serializable in the stub types.) */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
