package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerDiscoveryTest {
    @TempDir
    Path home;

    private Path config(String text) throws Exception {
        Path c = home.resolve(".hpc").resolve("config");
        Files.createDirectories(c.getParent());
        Files.writeString(c, text);
        return c;
    }

    @Test
    void optionComesFirst() throws Exception {
        Path c = config("server=file:3\n");

        ServerDiscovery.Servers s = ServerDiscovery.discover(Optional.of("opt:1,opt2:2"),
                Map.of("HPC_SERVER", "env:2"), c);

        assertEquals(List.of("opt:1", "opt2:2"), s.heads());
        assertEquals("--server", s.source());
    }

    @Test
    void environmentComesBeforeTheConfigFile() throws Exception {
        Path c = config("server=file:3\n");

        ServerDiscovery.Servers s = ServerDiscovery.discover(Optional.empty(), Map.of("HPC_SERVER", "env:2"), c);

        assertEquals(List.of("env:2"), s.heads());
        assertEquals("HPC_SERVER", s.source());
    }

    /** Open OnDemand names the PBS server in PBS_DEFAULT, by its host alone or with a port. */
    @Test
    void pbsDefaultComesAfterHpcServerAndBeforeTheConfigFileAndAHostAloneGetsTheDefaultPort() throws Exception {
        Path c = config("server=file:3\n");

        ServerDiscovery.Servers s = ServerDiscovery.discover(Optional.empty(),
                Map.of("PBS_DEFAULT", "head1, head2:9000,[::1]"), c);
        assertEquals(List.of("head1:8640", "head2:9000", "[::1]:8640"), s.heads());
        assertEquals("PBS_DEFAULT", s.source());

        s = ServerDiscovery.discover(Optional.empty(), Map.of("PBS_DEFAULT", "head1", "HPC_SERVER", "env:2"), c);
        assertEquals(List.of("env:2"), s.heads(), "HPC_SERVER, the product's own, wins");
    }

    @Test
    void configFileIsTheLastResort() throws Exception {
        Path c = config("# written by hpc local up\n\n server = a:1, b:2 ,a:1\n");

        ServerDiscovery.Servers s = ServerDiscovery.discover(Optional.empty(), Map.of("HPC_SERVER", " "), c);

        assertEquals(List.of("a:1", "b:2"), s.heads());
        assertEquals(c.toString(), s.source());
    }

    @Test
    void httpsAddressesKeepTheirSchemeAndTheCaComesFromTheEnvironmentOrTheConfigFile() throws Exception {
        Path c = config("server=https://a:1,https://b:2/\ntls-ca=" + home.resolve("missing.pem") + "\n");

        ServerDiscovery.Servers s = ServerDiscovery.discover(Optional.empty(), Map.of(), c);

        assertEquals(List.of("https://a:1", "https://b:2"), s.heads());
        UsageException e = assertThrows(UsageException.class, () -> ClientOptions.tls(Map.of(), c));
        assertTrue(e.getMessage().contains("tls-ca " + home.resolve("missing.pem")), e.getMessage());
        assertEquals(Optional.empty(), ClientOptions.tls(Map.of(), config("server=https://a:1\n")));
    }

    @Test
    void withNothingConfiguredTheErrorSaysHowToConfigure() {
        Path c = home.resolve(".hpc").resolve("config");

        ServerDiscovery.NoServerException e = assertThrows(ServerDiscovery.NoServerException.class,
                () -> ServerDiscovery.discover(Optional.empty(), Map.of(), c));

        assertTrue(e.getMessage().contains("--server host:port"), e.getMessage());
        assertTrue(e.getMessage().contains("HPC_SERVER"), e.getMessage());
        assertTrue(e.getMessage().contains(c.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("hpc local up"), e.getMessage());
    }

    @Test
    void badAddressNamesWhereItCameFrom() {
        ServerDiscovery.NoServerException e = assertThrows(ServerDiscovery.NoServerException.class,
                () -> ServerDiscovery.discover(Optional.empty(), Map.of("HPC_SERVER", "head1"), home));

        assertTrue(e.getMessage().startsWith("HPC_SERVER: 'head1' is not a head address"), e.getMessage());
    }

    @Test
    void configPathFollowsHpcConfig() {
        assertEquals(Path.of("/etc/hpc.conf"), ConfigFile.path(Map.of("HPC_CONFIG", "/etc/hpc.conf"), home));
        assertEquals(home.resolve(".hpc/config"), ConfigFile.path(Map.of(), home));
    }

    @Test
    void puttingAKeyKeepsTheRestOfTheFile() throws Exception {
        Path c = config("# mine\nserver=old:1\nother=x\nserver=older:2\n");

        ConfigFile.put(c, "server", "127.0.0.1:8640");
        Path fresh = home.resolve("new").resolve("config");
        ConfigFile.put(fresh, "server", "h:1");

        assertEquals("# mine\nserver=127.0.0.1:8640\nother=x\n", Files.readString(c));
        assertEquals(Map.of("server", "h:1"), ConfigFile.read(fresh));
    }
}
