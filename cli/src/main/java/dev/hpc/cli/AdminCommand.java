package dev.hpc.cli;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.UserHome;
import dev.hpc.api.job.TokenInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hpc admin token create|list|revoke}: the API tokens of the cluster (admins only; docs/security.md). */
@Command(name = "admin", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = "Cluster administration that needs an admin token.",
        subcommands = {AdminCommand.TokenCommand.class})
public final class AdminCommand extends GroupCommand {
    @Command(name = "token", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            description = "Create, list and revoke API tokens.",
            subcommands = {Create.class, ListTokens.class, Revoke.class})
    public static final class TokenCommand extends GroupCommand {
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            description = "Make a token for USER and print it (it is shown only this once).")
    public static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "USER", description = "whose token: the user name jobs will run as")
        String user;
        @Option(names = "--role", paramLabel = "ROLE", defaultValue = "user",
                description = "user (own jobs), operator (any job, operator holds, nodes) or admin (also tokens); "
                        + "default ${DEFAULT-VALUE}")
        String role;
        @Option(names = "--install", description = "write the token to ~/.hpc/token (mode 0600) instead of printing "
                + "it; only when run by USER")
        boolean install;

        @Override
        public Integer call() {
            String r = role.toLowerCase(Locale.ROOT);
            if (!List.of("user", "operator", "admin").contains(r)) {
                throw new UsageException("--role " + role + ": use user, operator or admin");
            }
            if (install && !user.equals(ClientOptions.user())) {
                throw new UsageException("--install writes to your own ~/.hpc/token, so it is for your own token "
                        + "only (you are " + ClientOptions.user() + "); give " + user + " the printed token instead");
            }
            TokenInfo made = client.client().createToken(user, r);
            PrintWriter out = spec.commandLine().getOut();
            if (install) {
                Path file = ApiToken.defaultFile(UserHome.of(Invocation.current().env()));
                ApiToken.install(file, made.token());
                out.println("token " + made.id() + " for " + user + " (" + made.role() + ") installed in " + file);
            } else {
                out.println(made.token());
                spec.commandLine().getErr().println("token " + made.id() + " for " + user + " (" + made.role()
                        + "); it is not shown again. " + user + " saves it in ~/.hpc/token with mode 0600.");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            description = "List the tokens: id, user, role, when made (never the tokens themselves).")
    public static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.println(String.format(Locale.ROOT, "%-12s %-16s %-9s %s", "ID", "USER", "ROLE", "CREATED"));
            for (TokenInfo t : client.client().tokens()) {
                out.println(String.format(Locale.ROOT, "%-12s %-16s %-9s %s", t.id(), t.user(), t.role(),
                        t.created()));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
            description = "Revoke the token with this id, or every token of this user.")
    public static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "USER|ID", description = "a token id (from list) or a user name")
        String who;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (TokenInfo t : client.client().revokeToken(who)) {
                out.println("revoked token " + t.id() + " of " + t.user() + " (" + t.role() + ")");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
