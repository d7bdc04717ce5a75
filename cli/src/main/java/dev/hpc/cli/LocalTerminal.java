package dev.hpc.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The terminal {@code qsub -I} runs in, through {@code stty} on {@code /dev/tty} (Java has no terminal API):
 * whether standard input is a terminal, its size, raw mode for the session (every key, Ctrl-C among them,
 * goes to the remote shell's terminal, which echoes and interprets it), and SIGWINCH for size changes.
 */
final class LocalTerminal implements InteractiveSession.Terminal {
    private static final File TTY = new File("/dev/tty");

    private Optional<String> saved = Optional.empty();

    /** Whether this process's standard input is a terminal ({@code test -t 0} in a child that inherits it). */
    static boolean stdinIsTerminal() {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", "test -t 0")
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Optional<String> stty(String... args) {
        List<String> command = new ArrayList<>(List.of("stty"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(TTY))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public int[] size() {
        return parseSize(stty("size").orElse(""));
    }

    /** {@code stty size}'s answer, {@code ROWS COLS}; zeros when it says nothing usable. */
    static int[] parseSize(String text) {
        String[] words = text.strip().split("\\s+");
        try {
            if (words.length == 2) {
                int rows = Integer.parseInt(words[0]);
                int cols = Integer.parseInt(words[1]);
                if (rows > 0 && cols > 0) {
                    return new int[] {rows, cols};
                }
            }
        } catch (NumberFormatException e) {
            // not a size
        }
        return new int[] {0, 0};
    }

    /** Raw mode without local echo, the remote terminal's line discipline does the rest; false when it failed. */
    boolean raw() {
        saved = stty("-g");
        return saved.isPresent() && stty("raw", "-echo").isPresent();
    }

    /** Puts back the mode {@link #raw} found. */
    void restore() {
        saved.ifPresent(s -> stty(s));
        saved = Optional.empty();
    }

    @Override
    @SuppressWarnings("restriction")
    public AutoCloseable onResize(Consumer<int[]> listener) {
        try {
            Signal winch = new Signal("WINCH");
            SignalHandler before = Signal.handle(winch, sig -> listener.accept(size()));
            return () -> Signal.handle(winch, before);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return () -> {
                // no SIGWINCH here: the size stays the one the session started with
            };
        }
    }
}
