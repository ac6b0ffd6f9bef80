-- When a token last authenticated a request (at most once a minute per token and node), shown in
-- the console's token list. Null: never used since this column exists.
alter table api_tokens add column last_used_at timestamp with time zone;
