-- API tokens (docs/security.md): only a hash of each token, never the token
CREATE TABLE tokens (id VARCHAR(32) PRIMARY KEY, hash CHAR(64) NOT NULL UNIQUE,
    owner VARCHAR(256) NOT NULL, role VARCHAR(16) NOT NULL,
    created TIMESTAMP WITH TIME ZONE NOT NULL);
