package dev.hpc.cli;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * The command server's picocli trees, one built ahead for the next call of each served command. Picocli builds a
 * command's model by reflection on its annotations each time, about a quarter of the server's CPU in a {@code qsub};
 * built on a thread of its own once a call has taken the last one, while the caller's next process starts, it is no
 * longer on the path of the next call. Each tree serves one call only: a parse leaves its values in the command
 * objects.
 */
final class PreparedCommandLines implements AutoCloseable {
    private final ConcurrentMap<String, CommandLine> ready = new ConcurrentHashMap<>();
    // a few builds at most wait: one per command is all that is ever kept
    private final ThreadPoolExecutor builder = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(CommandServer.SERVED.size()), r -> {
                Thread t = new Thread(r, "hpc-command-prepare");
                t.setDaemon(true);
                t.setPriority(Thread.MIN_PRIORITY);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    /** A tree for {@code args} that no call has used, built now when none is ready. */
    CommandLine take(String... args) {
        String command = args.length > 0 ? args[0] : "";
        if (!CommandServer.SERVED.contains(command)) {
            return HpcMain.commandLine(args);
        }
        CommandLine tree = ready.remove(command);
        builder.execute(() -> {
            // built outside the map's lock, which a call taking a tree of another command may need meanwhile
            if (!ready.containsKey(command)) {
                ready.putIfAbsent(command, HpcMain.commandLine(command));
            }
        });
        return tree != null ? tree : HpcMain.commandLine(args);
    }

    @Override
    public void close() {
        builder.shutdownNow();
        ready.clear();
    }
}
