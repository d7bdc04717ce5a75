package dev.hpc.head;

/** The head's own threads are daemons: a head that closes, or fails to, never holds its JVM open. */
final class HeadThreads {
    private HeadThreads() {
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
