-- Where a person wants their notifications by email too (when the installation has SMTP) (PostgreSQL).
ALTER TABLE app_user ADD COLUMN email TEXT;
