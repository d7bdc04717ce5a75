package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Which way the worker's JDK starts processes. */
class LaunchMechanismTest {
    private static Properties linux() {
        Properties p = new Properties();
        p.setProperty("os.name", "Linux");
        return p;
    }

    @Test
    void vforkOnTheJdksWhereItStartsTasksAsPosixSpawnDoes() {
        for (int feature : new int[] {17, 18, 19}) {
            Properties p = linux();
            WorkerMain.chooseLaunchMechanism(p, feature);
            assertEquals("VFORK", p.getProperty(WorkerMain.LAUNCH_MECHANISM), "JDK " + feature);
        }
    }

    @Test
    void theJdksDefaultFromJdk20OnWherePosixSpawnClearsTheSignalMaskAndLaterVforkIsGone() {
        for (int feature : new int[] {20, 21, 24, 25, 30}) {
            Properties p = linux();
            WorkerMain.chooseLaunchMechanism(p, feature);
            assertNull(p.getProperty(WorkerMain.LAUNCH_MECHANISM), "JDK " + feature);
        }
    }

    @Test
    void theUsersChoiceAndOtherSystemsAreLeftAlone() {
        Properties chosen = linux();
        chosen.setProperty(WorkerMain.LAUNCH_MECHANISM, "POSIX_SPAWN");
        WorkerMain.chooseLaunchMechanism(chosen, 17);
        assertEquals("POSIX_SPAWN", chosen.getProperty(WorkerMain.LAUNCH_MECHANISM));

        Properties mac = new Properties();
        mac.setProperty("os.name", "Mac OS X");
        WorkerMain.chooseLaunchMechanism(mac, 17);
        assertNull(mac.getProperty(WorkerMain.LAUNCH_MECHANISM));
    }
}
