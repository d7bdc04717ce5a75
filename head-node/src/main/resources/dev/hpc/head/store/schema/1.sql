-- jobs with their state and owner in columns, for the history and per-owner queries; the job in its body
CREATE TABLE jobs (number BIGINT PRIMARY KEY, state VARCHAR(16) NOT NULL,
    owner VARCHAR(256) NOT NULL, queue VARCHAR(256) NOT NULL, terminal BOOLEAN NOT NULL,
    exit_status INT NOT NULL, submitted TIMESTAMP WITH TIME ZONE NOT NULL,
    ended TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, body CLOB NOT NULL);
CREATE INDEX jobs_terminal ON jobs (terminal, ended);
CREATE INDEX jobs_owner ON jobs (owner);
CREATE TABLE nodes (name VARCHAR(256) PRIMARY KEY, body CLOB NOT NULL);
