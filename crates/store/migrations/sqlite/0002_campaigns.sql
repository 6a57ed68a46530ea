-- Campaigns built from notices: tracks, deliverables, recipients, tasks, and in-app notifications (SQLite).

CREATE TABLE campaign (
    id BLOB PRIMARY KEY NOT NULL,
    authority_id BLOB NOT NULL REFERENCES unit (id),
    -- The authority's unit path: a district sees the campaigns of its towns by prefix.
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_kind TEXT,
    theme TEXT,
    doc_number TEXT,
    issuer TEXT,
    period_start TEXT,
    period_end TEXT,
    signed_on TEXT,
    public BOOLEAN NOT NULL,
    -- JSON arrays: the 主送 phrases, key dates, contacts, referenced documents.
    recipient_phrases TEXT NOT NULL,
    key_dates TEXT NOT NULL,
    contacts TEXT NOT NULL,
    doc_references TEXT NOT NULL,
    -- The notice as read (page numbers of a copied PDF taken out) and where each value was found (JSON).
    source_text TEXT,
    source_marks TEXT,
    source_file_id BLOB REFERENCES stored_file (id),
    cloned_from BLOB REFERENCES campaign (id),
    created_by BLOB REFERENCES app_user (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    closed_at TEXT
);
CREATE INDEX campaign_scope_idx ON campaign (scope, created_at);
CREATE INDEX campaign_public_idx ON campaign (public, published_at);

CREATE TABLE campaign_track (
    id BLOB PRIMARY KEY NOT NULL,
    campaign_id BLOB NOT NULL REFERENCES campaign (id),
    position INTEGER NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX campaign_track_campaign_idx ON campaign_track (campaign_id, position);

CREATE TABLE deliverable (
    id BLOB PRIMARY KEY NOT NULL,
    campaign_id BLOB NOT NULL REFERENCES campaign (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- Comma-separated unit kinds it applies to.
    unit_kinds TEXT NOT NULL
);
CREATE INDEX deliverable_campaign_idx ON deliverable (campaign_id, position);

CREATE TABLE campaign_recipient (
    campaign_id BLOB NOT NULL REFERENCES campaign (id),
    unit_id BLOB NOT NULL REFERENCES unit (id),
    PRIMARY KEY (campaign_id, unit_id)
);

CREATE TABLE task (
    id BLOB PRIMARY KEY NOT NULL,
    campaign_id BLOB NOT NULL REFERENCES campaign (id),
    deliverable_id BLOB NOT NULL REFERENCES deliverable (id),
    unit_id BLOB NOT NULL REFERENCES unit (id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One task per deliverable and unit: publishing twice creates nothing more.
CREATE UNIQUE INDEX task_deliverable_unit_key ON task (deliverable_id, unit_id);
CREATE INDEX task_unit_idx ON task (unit_id, due_on);
CREATE INDEX task_campaign_idx ON task (campaign_id);

CREATE TABLE notification (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notification_user_idx ON notification (user_id, created_at);
