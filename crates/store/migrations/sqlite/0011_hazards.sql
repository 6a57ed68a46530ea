-- Hazard reports and their rectification cases (SQLite). The reporter's identity lives sealed in a
-- table of its own; the case's timeline is also the Open311 update feed.

CREATE TABLE hazard_case (
    id BLOB PRIMARY KEY NOT NULL,
    -- The town whose case it is.
    authority_id BLOB NOT NULL REFERENCES unit (id),
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    -- The report as the reporter wrote it: for case handlers, never for the responsible unit.
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    lat REAL,
    lon REAL,
    status TEXT NOT NULL,
    grade TEXT,
    -- Staff's own words: what the unit, the rectification notice and the public board read.
    summary TEXT,
    -- The unit responsible for the fix, and by when.
    unit_id BLOB REFERENCES unit (id),
    deadline TEXT,
    -- The enterprise a whistle-blower or self-check report is about.
    subject_unit_id BLOB REFERENCES unit (id),
    -- What the reporter reads: the reason for declining, the final reply.
    reply TEXT,
    merged_into BLOB REFERENCES hazard_case (id),
    -- SHA-256 (hex) of the receipt code; NULL for staff's own entries.
    receipt_hash TEXT UNIQUE,
    anonymous BOOLEAN NOT NULL,
    escalated_at TEXT,
    -- Exposed on the public board (曝光) with staff's text.
    exposed_at TEXT,
    public_text TEXT,
    -- The reward (fen): the fine, staff's confirmed amount, when the reporter claimed it.
    fine_fen INTEGER,
    reward_fen INTEGER,
    reward_confirmed_at TEXT,
    reward_claimed_at TEXT,
    created_by BLOB REFERENCES app_user (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX hazard_case_scope_idx ON hazard_case (authority_id, created_at);
CREATE INDEX hazard_case_unit_idx ON hazard_case (unit_id, status);
CREATE INDEX hazard_case_created_idx ON hazard_case (created_at);

CREATE TABLE hazard_identity (
    case_id BLOB PRIMARY KEY NOT NULL REFERENCES hazard_case (id),
    -- Which key sealed it (keys are kept outside the database).
    key_id TEXT NOT NULL,
    nonce BLOB NOT NULL,
    sealed BLOB NOT NULL
);

CREATE TABLE hazard_file (
    case_id BLOB NOT NULL REFERENCES hazard_case (id),
    file_id BLOB NOT NULL REFERENCES stored_file (id),
    -- report | rectification | verification
    stage TEXT NOT NULL,
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (case_id, file_id)
);
CREATE INDEX hazard_file_file_idx ON hazard_file (file_id);

CREATE TABLE hazard_event (
    id BLOB PRIMARY KEY NOT NULL,
    case_id BLOB NOT NULL REFERENCES hazard_case (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- The case's status after the event.
    status TEXT NOT NULL,
    -- What the reporter (and an Open311 client) reads of this step; NULL: staff-only.
    note TEXT,
    -- What staff and the responsible unit read (the unit's account of the fix, a reason); never the reporter.
    detail TEXT,
    actor BLOB REFERENCES app_user (id)
);
CREATE INDEX hazard_event_case_idx ON hazard_event (case_id, at);
CREATE INDEX hazard_event_at_idx ON hazard_event (at);

-- An enterprise's whistle-blower link (安全吹哨人): a token printed as a QR code on its notice board.
CREATE TABLE whistle_link (
    token TEXT PRIMARY KEY NOT NULL,
    unit_id BLOB NOT NULL REFERENCES unit (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX whistle_link_unit_idx ON whistle_link (unit_id);

-- 安全行为红黑榜: a unit on the red (good) or black list, with evidence, a window and an appeal note.
CREATE TABLE list_entry (
    id BLOB PRIMARY KEY NOT NULL,
    authority_id BLOB NOT NULL REFERENCES unit (id),
    unit_id BLOB NOT NULL REFERENCES unit (id),
    list TEXT NOT NULL,
    reason TEXT NOT NULL,
    case_id BLOB REFERENCES hazard_case (id),
    published_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    appeal_note TEXT,
    created_by BLOB REFERENCES app_user (id),
    created_at TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX list_entry_scope_idx ON list_entry (authority_id, published_on);

-- Open311 clients: a key (SHA-256 kept) per client, per town.
CREATE TABLE open311_client (
    id BLOB PRIMARY KEY NOT NULL,
    authority_id BLOB NOT NULL REFERENCES unit (id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
