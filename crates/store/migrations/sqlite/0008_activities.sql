-- Activity records (活动台账): what each unit did under a track, with evidence; and each track's own form
-- (NULL: the form its title suggests) (SQLite).

ALTER TABLE campaign_track ADD COLUMN form TEXT;

CREATE TABLE activity (
    id BLOB PRIMARY KEY NOT NULL,
    campaign_id BLOB NOT NULL REFERENCES campaign (id),
    track_id BLOB NOT NULL REFERENCES campaign_track (id),
    unit_id BLOB NOT NULL REFERENCES unit (id),
    occurred_on TEXT NOT NULL,
    place TEXT NOT NULL,
    form TEXT NOT NULL,
    participants INTEGER NOT NULL,
    materials INTEGER NOT NULL,
    description TEXT NOT NULL,
    -- The track's own fields, by key (JSON object).
    extra TEXT NOT NULL,
    -- The form's one-time key: the same form sent twice records once.
    client_key TEXT NOT NULL,
    created_by BLOB REFERENCES app_user (id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX activity_client_key ON activity (unit_id, client_key);
CREATE INDEX activity_campaign_idx ON activity (campaign_id, unit_id, track_id);

CREATE TABLE activity_file (
    activity_id BLOB NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    file_id BLOB NOT NULL REFERENCES stored_file (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (activity_id, file_id)
);
CREATE INDEX activity_file_file_idx ON activity_file (file_id);
