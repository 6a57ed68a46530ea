-- The progress board's per-track totals read only this index (PostgreSQL).
CREATE INDEX activity_track_idx ON activity (campaign_id, track_id, unit_id, participants, materials);
