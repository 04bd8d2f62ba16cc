import type { AppContext } from "../stores/config/app-directory";
import type { Principal } from "../stores/config/app-directory";
import type { Env } from "../env";

/** Hono's view of the Worker: bindings plus what auth middleware puts on the context. */
export interface HonoEnv {
  Bindings: Env;
  Variables: {
    app: AppContext;
    now: number;
    /** The request's clock (http/middleware/request-clock.ts): virtual only where ALLOW_VIRTUAL_CLOCK is set. */
    virtualClock: boolean;
    /** Authenticated by a server key (trusted backend): exempt from identity verification. */
    serverKey?: boolean;
    /** Admin routes: who is asking and their role (src/http/middleware/roles.ts). */
    principal?: Principal;
  };
}
