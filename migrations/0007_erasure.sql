-- Erasure tombstones (README "Erasure"). After DELETE /admin/users/:id, an index update or a
-- campaign fact still on the INDEX queue must not bring the person back. A tombstone holds no
-- identifier in the clear: the SHA-256 of app id and user id, the last index version the erased
-- object had issued (older upserts are dropped), and the random pseudonym late facts are counted under.
CREATE TABLE erasures (
  app_id TEXT NOT NULL,
  user_hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  pseudonym TEXT NOT NULL,
  erased_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, user_hash)
);

-- Erasure finds a person's rows by (app, user) instead of scanning whole tables.
CREATE INDEX campaign_stats_user ON campaign_stats(app_id, user_id);
CREATE INDEX deliveries_user ON deliveries(app_id, user_id);
CREATE INDEX dead_letters_user ON dead_letters(app_id, user_id);
CREATE INDEX channel_addresses_user ON channel_addresses(app_id, user_id);
