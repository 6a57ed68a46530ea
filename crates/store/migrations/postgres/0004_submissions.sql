-- What units hand in for their tasks: versioned submissions with their files, and the reviewer's decision (PostgreSQL).

CREATE TABLE submission (
    id UUID PRIMARY KEY NOT NULL,
    task_id UUID NOT NULL REFERENCES task (id),
    -- Copied from the task so that boards and the re-used-file check need no join.
    campaign_id UUID NOT NULL REFERENCES campaign (id),
    unit_id UUID NOT NULL REFERENCES unit (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    -- submitted | in_review | accepted | returned | withdrawn
    status TEXT NOT NULL,
    late BOOLEAN NOT NULL,
    -- The form's one-time key: the same form sent twice (double click, retry) makes one version.
    client_key TEXT NOT NULL,
    submitted_by UUID REFERENCES app_user (id),
    submitted_at TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    reviewer_id UUID REFERENCES app_user (id),
    review_started_at TIMESTAMPTZ,
    decided_at TIMESTAMPTZ,
    review_comment TEXT,
    rating INTEGER,
    exemplary BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX submission_task_version_key ON submission (task_id, version);
CREATE UNIQUE INDEX submission_task_client_key ON submission (task_id, client_key);
CREATE INDEX submission_campaign_status_idx ON submission (campaign_id, status, submitted_at);

CREATE TABLE submission_file (
    submission_id UUID NOT NULL REFERENCES submission (id),
    file_id UUID NOT NULL REFERENCES stored_file (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (submission_id, file_id)
);
CREATE INDEX submission_file_file_idx ON submission_file (file_id);
