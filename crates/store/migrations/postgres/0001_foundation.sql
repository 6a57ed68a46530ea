-- Units, accounts, sessions, the audit trail, files and unit imports (PostgreSQL).

CREATE TABLE unit (
    id UUID PRIMARY KEY NOT NULL,
    parent_id UUID REFERENCES unit (id),
    path TEXT COLLATE "C" NOT NULL,
    -- The path of the town or district that owns the unit: a town lists its units by equality.
    scope_path TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    kind_rank INTEGER NOT NULL,
    name TEXT NOT NULL,
    sort_key TEXT COLLATE "C" NOT NULL,
    search_text TEXT NOT NULL,
    code TEXT,
    industry TEXT,
    contact_name TEXT,
    contact_phone TEXT,
    address TEXT,
    is_sample BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX unit_code_key ON unit (code);
CREATE UNIQUE INDEX unit_parent_name_key ON unit (parent_id, name);
CREATE INDEX unit_path_idx ON unit (path);
CREATE INDEX unit_scope_order_idx ON unit (scope_path, active, kind_rank, sort_key, id);

CREATE TABLE app_user (
    id UUID PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    authority_id UUID NOT NULL REFERENCES unit (id),
    unit_id UUID REFERENCES unit (id),
    phone TEXT,
    active BOOLEAN NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX app_user_username_key ON app_user (username);
CREATE INDEX app_user_authority_idx ON app_user (authority_id);

CREATE TABLE session (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES app_user (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_user_idx ON session (user_id);

CREATE TABLE login_failure (
    id UUID PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failure_username_idx ON login_failure (username, at);
CREATE INDEX login_failure_ip_idx ON login_failure (ip, at);

CREATE TABLE audit_event (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    scope TEXT COLLATE "C",
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_event_scope_idx ON audit_event (scope, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only';
END
$$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

CREATE TABLE stored_file (
    id UUID PRIMARY KEY NOT NULL,
    authority_id UUID NOT NULL REFERENCES unit (id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by UUID REFERENCES app_user (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX stored_file_sha256_idx ON stored_file (sha256);

CREATE TABLE unit_import (
    id UUID PRIMARY KEY NOT NULL,
    authority_id UUID NOT NULL REFERENCES unit (id),
    file_id UUID NOT NULL REFERENCES stored_file (id),
    applied BOOLEAN NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_failed INTEGER NOT NULL,
    report TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES app_user (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX unit_import_authority_idx ON unit_import (authority_id, created_at);
