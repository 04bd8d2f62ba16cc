import * as z from "zod";

/** When a person is new, dormant, churned or loyal: the app's `lifecycle` setting, every field defaulted. */
export const LifecycleThresholds = z
  .object({
    /** A user is `new` for this many days after first seen. */
    newDays: z.number().positive().default(7),
    /** No activity for this many days → `dormant`. */
    dormantDays: z.number().positive().default(14),
    /** No activity for this many days → `churned`. */
    churnedDays: z.number().positive().default(60),
    /** `loyal` (high-value) flag: at least this many purchases … */
    loyalPurchases: z.number().int().positive().default(5),
    /** … or at least this much lifetime revenue. */
    loyalRevenue: z.number().positive().default(500),
  })
  .refine((t) => t.newDays < t.dormantDays, { message: "newDays must be less than dormantDays", path: ["newDays"] })
  .refine((t) => t.dormantDays < t.churnedDays, {
    message: "dormantDays must be less than churnedDays",
    path: ["dormantDays"],
  });
export type LifecycleThresholds = z.infer<typeof LifecycleThresholds>;
