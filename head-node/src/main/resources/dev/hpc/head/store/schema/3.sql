-- fair-share: what each ended attempt used, one row per attempt (docs/scheduling.md)
CREATE TABLE usage (attempt BIGINT PRIMARY KEY, owner VARCHAR(256) NOT NULL,
    core_seconds DOUBLE PRECISION NOT NULL, ended TIMESTAMP WITH TIME ZONE NOT NULL);
CREATE INDEX usage_ended ON usage (ended);
