package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.wire.ClusterSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The secrets of a {@link LocalCluster}, kept in its directory for later starts of the same directory
 * (docs/security.md): the admin token every head is given, and the secret its heads and workers prove to each
 * other.
 */
final class LocalSecrets {
    private final Path dir;

    LocalSecrets(Path dir) {
        this.dir = dir;
    }

    Path adminTokenFile() {
        return dir.resolve("admin.token");
    }

    ApiToken adminToken() {
        return ApiToken.read(adminTokenFile(), "the local cluster's admin token");
    }

    /** Makes the admin token, unless an earlier start made it. */
    void ensureAdminToken() {
        if (!Files.exists(adminTokenFile())) {
            ApiToken.install(adminTokenFile(), ApiToken.generate());
        }
    }

    /** See {@link LocalCluster#installToken}. */
    LocalCluster.TokenInstall installToken(Path target, List<String> heads) {
        if (!Files.exists(target)) {
            ApiToken.install(target, adminToken().value());
            return LocalCluster.TokenInstall.INSTALLED;
        }
        ApiToken current;
        try {
            current = ApiToken.read(target, "the token file");
        } catch (HpcException unusable) {
            return LocalCluster.TokenInstall.LEFT_ALONE;
        }
        try {
            new HeadClient(heads, current, HeadTransport.Settings.defaults().withMaxWait(Duration.ofSeconds(5)))
                    .whoami();
            return LocalCluster.TokenInstall.KEPT;
        } catch (HpcApiException e) {
            if (e.status() != 401) {
                throw e;
            }
            ApiToken.install(target, adminToken().value());
            return LocalCluster.TokenInstall.REPLACED;
        }
    }

    /** The cluster secret's file: made once, private to its owner; one made before is checked. */
    Path clusterSecret() {
        Path file = dir.resolve(LocalCluster.CLUSTER_SECRET);
        if (Files.exists(file)) {
            ClusterSecret.read(file);
        } else {
            ClusterSecret.generate(file);
        }
        return file;
    }
}
