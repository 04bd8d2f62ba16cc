import { registerScheduledJob } from "../scheduled";
import { runDueBroadcasts } from "./broadcast";

// Every cron tick (every 5 minutes): start due broadcast occurrences.
registerScheduledJob("broadcasts", (env, _cron, now) => runDueBroadcasts(env, now));
