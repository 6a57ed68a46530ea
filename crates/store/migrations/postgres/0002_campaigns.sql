-- Campaigns built from notices: tracks, deliverables, recipients, tasks, and in-app notifications (PostgreSQL).

CREATE TABLE campaign (
    id UUID PRIMARY KEY NOT NULL,
    authority_id UUID NOT NULL REFERENCES unit (id),
    -- The authority's unit path: a district sees the campaigns of its towns by prefix.
    scope TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_kind TEXT,
    theme TEXT,
    doc_number TEXT,
    issuer TEXT,
    period_start DATE,
    period_end DATE,
    signed_on DATE,
    public BOOLEAN NOT NULL,
    -- JSON arrays: the 主送 phrases, key dates, contacts, referenced documents.
    recipient_phrases TEXT NOT NULL,
    key_dates TEXT NOT NULL,
    contacts TEXT NOT NULL,
    doc_references TEXT NOT NULL,
    -- The notice as read (page numbers of a copied PDF taken out) and where each value was found (JSON).
    source_text TEXT,
    source_marks TEXT,
    source_file_id UUID REFERENCES stored_file (id),
    cloned_from UUID REFERENCES campaign (id),
    created_by UUID REFERENCES app_user (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ
);
CREATE INDEX campaign_scope_idx ON campaign (scope, created_at);
CREATE INDEX campaign_public_idx ON campaign (public, published_at);

CREATE TABLE campaign_track (
    id UUID PRIMARY KEY NOT NULL,
    campaign_id UUID NOT NULL REFERENCES campaign (id),
    position INTEGER NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX campaign_track_campaign_idx ON campaign_track (campaign_id, position);

CREATE TABLE deliverable (
    id UUID PRIMARY KEY NOT NULL,
    campaign_id UUID NOT NULL REFERENCES campaign (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on DATE NOT NULL,
    -- Comma-separated unit kinds it applies to.
    unit_kinds TEXT NOT NULL
);
CREATE INDEX deliverable_campaign_idx ON deliverable (campaign_id, position);

CREATE TABLE campaign_recipient (
    campaign_id UUID NOT NULL REFERENCES campaign (id),
    unit_id UUID NOT NULL REFERENCES unit (id),
    PRIMARY KEY (campaign_id, unit_id)
);

CREATE TABLE task (
    id UUID PRIMARY KEY NOT NULL,
    campaign_id UUID NOT NULL REFERENCES campaign (id),
    deliverable_id UUID NOT NULL REFERENCES deliverable (id),
    unit_id UUID NOT NULL REFERENCES unit (id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- One task per deliverable and unit: publishing twice creates nothing more.
CREATE UNIQUE INDEX task_deliverable_unit_key ON task (deliverable_id, unit_id);
CREATE INDEX task_unit_idx ON task (unit_id, due_on);
CREATE INDEX task_campaign_idx ON task (campaign_id);

CREATE TABLE notification (
    id UUID PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES app_user (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ
);
CREATE INDEX notification_user_idx ON notification (user_id, created_at);
