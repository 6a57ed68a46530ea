-- Background jobs that any number of workers share: claimed with a lease (SKIP LOCKED on PostgreSQL),
-- finished in the same transaction as their effect, enqueued at most once per dedup key (PostgreSQL).

CREATE TABLE job (
    id UUID PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    -- What makes two jobs the same job: a reminder for one unit, due date and lead time; a digest for one
    -- person and day.
    dedup_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at TIMESTAMPTZ NOT NULL,
    attempts INTEGER NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMPTZ,
    done_at TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX job_dedup_key ON job (dedup_key);
CREATE INDEX job_ready_idx ON job (done_at, run_at);
