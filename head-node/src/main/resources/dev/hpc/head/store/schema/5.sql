-- node records carry a version, as jobs do: an older one never overwrites a newer one
ALTER TABLE nodes ADD COLUMN version BIGINT DEFAULT 0 NOT NULL;
