-- Backfill jobs (re-protect platform-key content of licensed users under the customer's key) can
-- be limited to one user and/or one asset type; the job keeps its filters for the admin to see.
-- '' means no filter (and is what recovery and rotation jobs have).
alter table jobs add column scope_user varchar(128) default '' not null;
alter table jobs add column scope_asset_type varchar(64) default '' not null;
