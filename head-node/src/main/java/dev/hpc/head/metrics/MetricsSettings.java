package dev.hpc.head.metrics;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.head.access.AccessSettings;
import java.util.Locale;
import java.util.Properties;

/**
 * Who may read {@code /metrics}, and whether it names users (docs/monitoring.md).
 *
 * @param access  {@link Access#TOKEN} by default: any valid token, of any role (Prometheus scrapes with a token of
 *                its own, role user: it needs no power over jobs)
 * @param perUser whether the per-user series ({@code hpc_user_jobs_pending{username=...}}) are shown; by default
 *                when a token is needed and users may see other users' jobs anyway ({@code query-other-jobs})
 */
public record MetricsSettings(Access access, boolean perUser) {

    /** Who may read {@code /metrics}. */
    public enum Access {
        /** Anyone who reaches the port: for a scraper on a trusted network. */
        OPEN,
        /** A valid token of any role. */
        TOKEN,
        /** A token of an operator or an admin. */
        OPERATOR;

        static Access parse(String text) {
            try {
                return valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("metrics-access must be open, token or operator, got '" + text + "'");
            }
        }
    }

    /** The defaults for these access settings: a token, and user names when users see each other's jobs. */
    public static MetricsSettings defaults(AccessSettings access) {
        return new MetricsSettings(Access.TOKEN, access.jobVisibility().othersListed());
    }

    /** From flags (null when not given), else the config file's keys of the same names, else the defaults. */
    public static MetricsSettings from(Properties file, AccessSettings accessSettings, String accessFlag,
                                       String perUserFlag) {
        String a = accessFlag != null ? accessFlag : file.getProperty("metrics-access");
        Access access = a == null ? Access.TOKEN : Access.parse(a);
        String p = perUserFlag != null ? perUserFlag : file.getProperty("metrics-per-user");
        boolean perUser;
        if (p == null) {
            // open to the network: user names only when asked for
            perUser = access != Access.OPEN && accessSettings.jobVisibility().othersListed();
        } else {
            perUser = switch (p.strip().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new InvalidRequestException("metrics-per-user must be true or false, got '" + p
                        + "'");
            };
        }
        return new MetricsSettings(access, perUser);
    }
}
