-- Delivery (issue 4). One row per send job and target (a push job has one target per device;
-- email/SMS/WhatsApp/webhook jobs have one). The idempotency key is checked before every
-- provider call and recorded after, so a redelivered queue message never sends twice.
CREATE TABLE deliveries (
  idempotency_key TEXT NOT NULL,
  -- '' for single-address channels; the device token / Web Push endpoint for push.
  target TEXT NOT NULL DEFAULT '',
  app_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_object TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  variant TEXT NOT NULL,
  channel TEXT NOT NULL,
  provider TEXT NOT NULL,
  -- The provider's id for the message (FCM name, Twilio SID, Resend id, SendGrid X-Message-Id…).
  provider_message_id TEXT,
  -- queued → sending → sent → delivered → opened → clicked; or failed / bounced. Only moves forward.
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  -- While a consumer is calling the provider for this row, others wait until the lease ends.
  lease_until INTEGER,
  -- The address as sent (email / phone / URL), and for sandbox sends the rendered content.
  address TEXT,
  payload TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER,
  opened_at INTEGER,
  clicked_at INTEGER,
  PRIMARY KEY (idempotency_key, target)
);
CREATE INDEX deliveries_provider_message ON deliveries(provider, provider_message_id);
CREATE INDEX deliveries_app_created ON deliveries(app_id, created_at);

-- Every provider callback (status, open, click, bounce…), stored before it is applied: a callback
-- that arrives before its send is recorded waits here and is applied when the record appears.
-- `event_id` (Svix id, SendGrid sg_event_id, Twilio SID+status…) makes a replayed webhook a no-op.
CREATE TABLE delivery_events (
  event_id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  provider_message_id TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT,
  at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  applied_at INTEGER
);
CREATE INDEX delivery_events_pending ON delivery_events(provider, provider_message_id, applied_at);

-- Send jobs that exhausted their retries (SENDS dead-letter queue): visible and replayable.
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- The dead-letter queue message id: a redelivered dead letter is recorded once.
  message_id TEXT NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL,
  app_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  job TEXT NOT NULL,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  replayed_at INTEGER
);
CREATE INDEX dead_letters_app ON dead_letters(app_id, id);

-- Where a phone number or email address leads back to a person (inbound SMS STOP, WhatsApp replies).
-- Filled when a send goes out, so only addresses Beckon has messaged are known.
CREATE TABLE channel_addresses (
  app_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  address TEXT NOT NULL,
  user_object TEXT NOT NULL,
  user_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (channel, address, app_id)
);
