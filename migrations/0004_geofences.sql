-- Geofences: circles (GeoJSON Point + radius) and polygons (GeoJSON Polygon), compiled into a
-- spatial index once per config version (every change here bumps apps.config_version).
CREATE TABLE geofences (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  -- The importer's own id (GeoJSON Feature id): re-importing updates instead of duplicating.
  external_id TEXT,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('circle', 'polygon')),
  -- GeoJSON geometry: {"type":"Point","coordinates":[lng,lat]} or {"type":"Polygon","coordinates":[[[lng,lat],…]]}
  geometry TEXT NOT NULL,
  -- Metres, circles only (50 – 50,000).
  radius REAL,
  tags TEXT NOT NULL DEFAULT '[]',
  metadata TEXT NOT NULL DEFAULT '{}',
  dwell_seconds INTEGER,
  cooldown_seconds INTEGER NOT NULL DEFAULT 300,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX geofences_app ON geofences(app_id, id);
CREATE UNIQUE INDEX geofences_external ON geofences(app_id, external_id);

-- Beacon regions: iBeacon (uuid, optional major/minor wildcards) or Eddystone-UID (namespace, optional instance).
CREATE TABLE beacon_regions (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('ibeacon', 'eddystone')),
  uuid TEXT,
  major INTEGER,
  minor INTEGER,
  namespace TEXT,
  instance TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  metadata TEXT NOT NULL DEFAULT '{}',
  dwell_seconds INTEGER,
  cooldown_seconds INTEGER NOT NULL DEFAULT 300,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX beacon_regions_app ON beacon_regions(app_id, id);
