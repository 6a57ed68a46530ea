-- Each recipient unit signs for a campaign's notice (签收) and names its contact person for it (专人) (PostgreSQL).

CREATE TABLE campaign_receipt (
    campaign_id UUID NOT NULL REFERENCES campaign (id),
    unit_id UUID NOT NULL REFERENCES unit (id),
    signed_at TIMESTAMPTZ,
    signed_by UUID REFERENCES app_user (id),
    contact_name TEXT,
    contact_phone TEXT,
    contact_set_at TIMESTAMPTZ,
    PRIMARY KEY (campaign_id, unit_id)
);
