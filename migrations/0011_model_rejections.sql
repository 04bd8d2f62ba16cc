-- A nightly BG/NBD fit that is not usable (did not converge, or parameters out of range) is not
-- scored with: the previous good fit stays, and the rejected one is kept here with the reason,
-- so the admin API can show why the model did not change (README "Predictive churn").
ALTER TABLE model_params ADD COLUMN bgnbd_rejected TEXT;
