-- Each recipient unit signs for a campaign's notice (签收) and names its contact person for it (专人) (SQLite).

CREATE TABLE campaign_receipt (
    campaign_id BLOB NOT NULL REFERENCES campaign (id),
    unit_id BLOB NOT NULL REFERENCES unit (id),
    signed_at TEXT,
    signed_by BLOB REFERENCES app_user (id),
    contact_name TEXT,
    contact_phone TEXT,
    contact_set_at TEXT,
    PRIMARY KEY (campaign_id, unit_id)
);
