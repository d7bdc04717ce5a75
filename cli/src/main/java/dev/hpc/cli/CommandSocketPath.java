package dev.hpc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a {@link CommandServer} puts its Unix domain socket: in a directory that belongs to the
 * server's user and that nobody else may enter (mode 0700), so that no other user can even reach the
 * socket. That is {@code $XDG_RUNTIME_DIR/hpc} when the session has a runtime directory of this user's
 * (private, host-local, emptied at logout), else the directory of the state file
 * ({@code ~/.hpc/command-server}). A socket path holds at most {@value #MAX_BYTES} bytes (the
 * kernel's {@code sun_path}); a longer one moves to {@code $TMPDIR/hpc-UID} ({@code /tmp/hpc-UID}),
 * which, in a directory anybody may write, is used only when this user made it.
 */
final class CommandSocketPath {
    /** {@code sun_path} holds 108 bytes on Linux, the closing NUL included. */
    static final int MAX_BYTES = 107;
    private static final Set<PosixFilePermission> PRIVATE = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private CommandSocketPath() {
    }

    /** What the server's environment offers: {@code XDG_RUNTIME_DIR} and the short directory {@code TMPDIR}. */
    record Places(Optional<Path> runtimeDir, Path tmpDir) {
        static Places of(Map<String, String> env) {
            Optional<Path> runtime = Optional.ofNullable(env.get("XDG_RUNTIME_DIR")).filter(s -> !s.isBlank()).map(Path::of);
            Path tmp = Optional.ofNullable(env.get("TMPDIR")).filter(s -> s.startsWith("/")).map(Path::of)
                    .orElse(Path.of("/tmp"));
            return new Places(runtime, tmp);
        }
    }

    /** The chosen socket path, and why a place was passed over, for the server's log. */
    record Choice(Path socket, List<String> notes) {
    }

    /**
     * The socket of the server of {@code stateFile}, for the user {@code uid}, with its directory made
     * (or checked to be) private; fails with a message that says what to fix.
     */
    static Choice choose(Path stateFile, Places places, long uid) throws IOException {
        List<String> notes = new ArrayList<>();
        String name = name(stateFile);
        Path dir = stateFile.toAbsolutePath().getParent();
        if (places.runtimeDir().isPresent()) {
            Path runtime = places.runtimeDir().get();
            Optional<String> unusable = unusableRuntimeDir(runtime, uid);
            if (unusable.isEmpty()) {
                dir = runtime.resolve("hpc");
            } else {
                notes.add("XDG_RUNTIME_DIR=" + runtime + " is not used: " + unusable.get());
            }
        }
        Path socket = dir.resolve(name);
        if (bytes(socket) > MAX_BYTES) {
            Path shorter = places.tmpDir().resolve("hpc-" + uid);
            notes.add("the socket path " + socket + " would be " + bytes(socket) + " bytes, over the " + MAX_BYTES
                    + " a Unix socket path may have; the socket is in " + shorter + " instead");
            socket = shorter.resolve(name);
            if (bytes(socket) > MAX_BYTES) {
                throw new IOException("the socket path " + socket + " is " + bytes(socket) + " bytes, over the "
                        + MAX_BYTES + " a Unix socket path may have; set TMPDIR to a shorter directory (or unset it "
                        + "for /tmp)");
            }
            dir = shorter;
        }
        if (socket.toString().indexOf('\n') >= 0) {
            throw new IOException("the socket path " + socket + " has a line break, which the state file cannot hold");
        }
        notes.addAll(makePrivate(dir, uid));
        return new Choice(socket, List.copyOf(notes));
    }

    /** One name per state file, that is per user and installation; short, as the path must be. */
    static String name(Path stateFile) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(stateFile.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6) + ".sock";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static int bytes(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Makes {@code dir} (mode 0700) or checks that the one there is a directory of {@code uid}'s, and
     * takes away any access of others; returns a note when it had to. A directory of another user is
     * refused: one made in a directory anybody may write, such as {@code /tmp}, may be there to catch
     * this user's socket.
     */
    static List<String> makePrivate(Path dir, long uid) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException there) {
            // checked below, whoever made it
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) {
            throw new IOException(dir + " is a " + (a.isSymbolicLink() ? "symbolic link" : "file")
                    + ", where the command server keeps its socket in a directory of its own: remove it");
        }
        long owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        if (owner != uid) {
            throw new IOException(dir + " belongs to " + a.owner().getName() + " (uid " + owner + "), not to this user "
                    + "(uid " + uid + "); the command server does not use another user's directory, which could let "
                    + "that user see your commands. Remove it, or give the server another place (XDG_RUNTIME_DIR, "
                    + "TMPDIR, HOME)");
        }
        if (!a.permissions().equals(PRIVATE)) {
            Files.setPosixFilePermissions(dir, PRIVATE);
            return List.of(dir + " had mode " + PosixFilePermissions.toString(a.permissions()) + "; it is rwx------ now");
        }
        return List.of();
    }

    /** Why {@code dir} is not this user's private runtime directory, if it is not. */
    private static Optional<String> unusableRuntimeDir(Path dir, long uid) {
        if (!dir.isAbsolute()) {
            return Optional.of("it is not an absolute path");
        }
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
            if (!a.isDirectory()) {
                return Optional.of("it is not a directory");
            }
            if (owner != uid) {
                // su without a login keeps the first user's: that user could reach the socket
                return Optional.of("it belongs to uid " + owner + ", not to this user (uid " + uid + ")");
            }
            if (!a.permissions().equals(PRIVATE)) {
                return Optional.of("its mode is " + PosixFilePermissions.toString(a.permissions()) + ", not rwx------");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("it cannot be read (" + e.getMessage() + ")");
        }
    }
}
