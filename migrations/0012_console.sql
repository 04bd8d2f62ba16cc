-- The console's daily message chart reads campaign_stats by app and time.
CREATE INDEX IF NOT EXISTS campaign_stats_app_at ON campaign_stats(app_id, at);
