-- the alerts the head raised, newest kept, for the event list (docs/failover.md, "Alerts")
CREATE TABLE events (id BIGINT AUTO_INCREMENT PRIMARY KEY,
    at TIMESTAMP WITH TIME ZONE NOT NULL, kind VARCHAR(64) NOT NULL,
    subject VARCHAR(512) NOT NULL, message VARCHAR(8192) NOT NULL);
