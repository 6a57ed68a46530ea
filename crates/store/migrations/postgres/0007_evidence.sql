-- What a photo says about itself (EXIF capture time and place, size) and its thumbnail, read once by a
-- background job after the upload (PostgreSQL).

CREATE TABLE file_meta (
    file_id UUID PRIMARY KEY NOT NULL REFERENCES stored_file (id),
    -- As the camera wrote it (local time, no zone): "2026-06-16 09:30:12".
    taken_at TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    width INTEGER,
    height INTEGER,
    -- The thumbnail's blob (a JPEG at most 480 px), when the image could be decoded.
    thumb_sha256 TEXT,
    -- Why it could not be read, if it could not.
    error TEXT,
    processed_at TIMESTAMPTZ NOT NULL
);
