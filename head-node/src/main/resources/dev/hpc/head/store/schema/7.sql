-- settings that commands change (qmgr's queues), each one versioned body
CREATE TABLE settings (k VARCHAR(64) PRIMARY KEY, version BIGINT NOT NULL,
    body CLOB NOT NULL);
