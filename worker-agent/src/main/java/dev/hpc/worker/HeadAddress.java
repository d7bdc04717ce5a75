package dev.hpc.worker;

/** Where one head listens for worker links: {@code host:port}, or {@code [v6-address]:port}. */
public record HeadAddress(String host, int port) {

    public HeadAddress {
        if (host.isBlank()) {
            throw new WorkerConfigException("a head address needs a host name, as in host:port");
        }
        if (port < 1 || port > 65535) {
            throw new WorkerConfigException("head port " + port + " of '" + host + "' must be between 1 and 65535");
        }
    }

    /** Parses {@code host:port}; the message of the exception says what was wrong. */
    public static HeadAddress parse(String text) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new WorkerConfigException("head address '" + text + "' must be host:port, as in head1:8080");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new WorkerConfigException("head address '" + text + "': write an IPv6 address in brackets, as in [::1]:8080");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new WorkerConfigException("head address '" + text + "': the port must be a number, as in head1:8080");
        }
        return new HeadAddress(host, port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
