package dev.hpc.head.access;

import dev.hpc.api.HpcException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;

/**
 * The bootstrap admin token: read from its file, or made and written there (mode 0600) when the file
 * does not exist. Two heads given the same file use the same token.
 */
public final class AdminTokenFile {
    private static final Logger LOG = Logger.getLogger(AdminTokenFile.class.getName());

    private AdminTokenFile() {
    }

    /** The token in {@code file}, made first when the file is missing. */
    public static String ensure(Path file) {
        try {
            if (!Files.exists(file)) {
                String token = Tokens.generate();
                if (file.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                }
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                            "rw-------")));
                    Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
                    LOG.info("made a new admin token in " + file + " (mode 0600); install it with: install -m 600 "
                            + file + " ~/.hpc/token");
                    return token;
                } catch (FileAlreadyExistsException raced) {
                    // another head sharing the file made it first: use theirs
                } catch (UnsupportedOperationException notPosix) {
                    Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
                    return token;
                }
            }
            return read(file);
        } catch (IOException e) {
            throw new HpcException("cannot read or create the admin token file " + file + ": " + e.getMessage()
                    + "; set admin-token-file (--admin-token-file) to a writable place", e);
        }
    }

    private static String read(Path file) throws IOException {
        String token = "";
        for (int attempt = 0; attempt < 50 && token.isEmpty(); attempt++) {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                // a head sharing the file has created it and is about to write the token
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!Tokens.plausible(token)) {
            throw new HpcException("the admin token file " + file + " does not hold a token; delete it and restart "
                    + "the head to make a new one");
        }
        return token;
    }
}
