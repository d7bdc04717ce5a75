-- an array's ended tasks, sealed in segments written once (issue 15; TaskSegment)
CREATE TABLE task_segments (job BIGINT NOT NULL, segment INT NOT NULL,
    version BIGINT NOT NULL, body CLOB NOT NULL, PRIMARY KEY (job, segment));
