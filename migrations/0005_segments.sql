-- Segmentation intelligence (issue 7): model fits, saved segments, daily snapshots, RFM transitions.

-- Nightly model per app: RFM quintile cut points and the BG/NBD fit. One row per run (history kept);
-- UserObjects load the newest version with the app config.
CREATE TABLE model_params (
  app_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  computed_at INTEGER NOT NULL,
  -- purchasers the model was computed over
  purchasers INTEGER NOT NULL,
  -- {"recencyDays":[c1..c4],"frequency":[…],"monetary":[…],"n":…} or NULL with no purchasers
  cut_points TEXT,
  -- {"r","alpha","a","b","logLikelihood","n","converged"} or NULL when the fit was not possible
  bgnbd TEXT,
  PRIMARY KEY (app_id, version)
);

-- Saved segments (filter language in docs/segments.md); `version` grows on every edit.
CREATE TABLE segments (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  filter TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX segments_app ON segments(app_id);

-- One row per app and UTC day: lifecycle distribution, DAU/WAU/MAU, RFM and churn-band counts.
CREATE TABLE daily_snapshots (
  app_id TEXT NOT NULL,
  day TEXT NOT NULL,
  taken_at INTEGER NOT NULL,
  total INTEGER NOT NULL,
  lifecycle TEXT NOT NULL,
  loyal INTEGER NOT NULL,
  dau INTEGER NOT NULL,
  wau INTEGER NOT NULL,
  mau INTEGER NOT NULL,
  rfm TEXT NOT NULL DEFAULT '{}',
  churn TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (app_id, day)
);

-- Each purchaser's RFM segment as of the last nightly run, to count moves between runs.
CREATE TABLE rfm_memberships (
  app_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  segment TEXT NOT NULL,
  since INTEGER NOT NULL,
  PRIMARY KEY (app_id, user_id)
);

-- Users who moved between RFM segments, per app and day ('' as from_segment = first scored).
CREATE TABLE rfm_transitions (
  app_id TEXT NOT NULL,
  day TEXT NOT NULL,
  from_segment TEXT NOT NULL,
  to_segment TEXT NOT NULL,
  users INTEGER NOT NULL,
  PRIMARY KEY (app_id, day, from_segment, to_segment)
);
