-- Uploads in parts (large videos over a weak connection): the bytes gather in a temp file named by the
-- upload's id, and only a finished upload becomes a stored file (SQLite).

CREATE TABLE upload_session (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES app_user (id),
    authority_id BLOB NOT NULL REFERENCES unit (id),
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- Set once the last part arrived and the file was stored.
    file_id BLOB REFERENCES stored_file (id)
);
CREATE INDEX upload_session_user_idx ON upload_session (user_id, created_at);
CREATE INDEX upload_session_expires_idx ON upload_session (expires_at);
