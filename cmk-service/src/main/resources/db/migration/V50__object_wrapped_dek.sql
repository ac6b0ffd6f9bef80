-- Wrapped DEKs in the object row (issue 15): a new object's envelope carries no key references
-- (FORMAT.md, "Detached references"); its DEK, wrapped under its KEK with (account, asset, object
-- id) as AAD, lives here, so re-wrapping it is an update of this row. NULL for objects written
-- before, whose envelope header still holds their wrapped DEK.
alter table objects add column wrapped_dek bytea;
