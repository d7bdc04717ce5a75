package dev.hpc.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Objects;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The {@link CommandServer}'s Unix domain socket: bound at the path {@link CommandSocketPath} chose, private to
 * its user, and answering that user alone, as the kernel names the caller ({@code SO_PEERCRED}). It knows its
 * socket file, so that it never removes one another server bound at the same path.
 */
final class CommandSocket implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel channel;
    /** The socket file this server made: another one at its path is not its to remove. */
    private final Object fileKey;
    /** The user the kernel reports for this process's socket: the only one it answers. */
    private final UserPrincipal self;
    private final CommandServerLog log;

    private CommandSocket(Path path, ServerSocketChannel channel, Object fileKey, UserPrincipal self,
                          CommandServerLog log) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
        this.self = self;
        this.log = log;
    }

    /**
     * Binds at {@code path}, removing a socket a dead server left there (the caller holds the lock of its state
     * file, so no live server of it uses that path); refusals go to {@code log}.
     */
    static CommandSocket bind(Path path, CommandServerLog log) throws IOException {
        removeStale(path);
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(path), 64);
            // the directory keeps others out already; the socket file itself is the user's alone as well
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new CommandSocket(path, channel, key, asTheKernelSeesIt(path), log);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    Path path() {
        return path;
    }

    /** The user this socket answers. */
    UserPrincipal user() {
        return self;
    }

    /** The next caller; an {@link IOException} once the socket is closed. */
    SocketChannel accept() throws IOException {
        return channel.accept();
    }

    /** The kernel's word on who connected; anyone but this server's user is refused unheard. */
    boolean fromThisUser(SocketChannel s) {
        try {
            UnixDomainPrincipal peer = s.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (peer.user().equals(self)) {
                return true;
            }
            log.line("refused a caller run by " + peer.user().getName() + ": only " + self.getName()
                    + " may call this server; nothing was read from it or sent to it");
        } catch (IOException | UnsupportedOperationException e) {
            log.line("refused a caller whose user the kernel did not tell: " + e);
        }
        return false;
    }

    /** Whether the file at the socket's path is still the one this server bound (a logout may remove it). */
    boolean ownsItsFile() {
        try {
            return Objects.equals(fileKey, Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes the socket file if it is still this server's, then stops listening. */
    @Override
    public void close() throws IOException {
        // before the lock goes: the next server of this state file binds the same path
        if (ownsItsFile()) {
            Files.deleteIfExists(path);
        }
        channel.close();
    }

    /**
     * This process's user as the kernel reports it to a peer: what a caller's credentials are compared
     * with, from the same source, so that neither a file system that maps owners (NFS squashing) nor a
     * uid without a name in the password file can make the server refuse its own user. The kernel
     * tells a client the credentials the listener had at {@code listen()}: those of this process.
     */
    private static UserPrincipal asTheKernelSeesIt(Path socket) throws IOException {
        try (SocketChannel me = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return me.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        } catch (UnsupportedOperationException e) {
            throw new IOException("this system does not tell who is at the other end of a Unix socket (SO_PEERCRED), "
                    + "which the command server needs to answer its own user only", e);
        }
    }

    /**
     * Under the lock, whatever socket is at the path was left by a server of this state file that died
     * (SIGKILL leaves it): binding needs the name free. Anything else there is not ours to remove.
     */
    private static void removeStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = ((Number) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue();
        if ((mode & 0170000) != 0140000) {
            throw new IOException(socket + " is there and is not a socket; the command server binds its socket at "
                    + "that path: remove it");
        }
        Files.delete(socket);
    }
}
