package dev.hpc.api.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Says at the end of each module's test run how many tests ran and, for every test that did not run, why: a
 * test that needs what the machine lacks (Open MPI, Chromium, root to create a user) is skipped with the
 * package to install, and a fresh machine must not pass {@code mvn -B verify} in silence with part of the
 * suite left out (issue 20). Registered for every module through this test-jar's service file.
 */
public final class SkippedTestsReport implements TestExecutionListener {
    private final AtomicInteger ran = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final List<String> notRun = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        notRun.add(name(test) + ": " + reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (!test.isTest()) {
            if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                notRun.add(name(test) + " (every test of it): " + reason(result));
            }
            return;
        }
        switch (result.getStatus()) {
            case SUCCESSFUL -> ran.incrementAndGet();
            case FAILED -> {
                ran.incrementAndGet();
                failed.incrementAndGet();
            }
            case ABORTED -> notRun.add(name(test) + ": " + reason(result));
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (ran.get() == 0 && notRun.isEmpty()) {
            return;
        }
        String module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getFileName()
                .toString();
        StringBuilder b = new StringBuilder("[tests] ").append(module).append(": ").append(ran.get())
                .append(" tests ran, ").append(failed.get()).append(" failed, ").append(notRun.size())
                .append(notRun.isEmpty() ? " skipped" : " did not run:");
        synchronized (notRun) {
            for (String n : notRun) {
                b.append("\n[tests]   ").append(n);
            }
        }
        System.out.println(b);
    }

    private static String name(TestIdentifier test) {
        return test.getLegacyReportingName().isEmpty() ? test.getDisplayName()
                : test.getUniqueIdObject().getSegments().stream()
                        .filter(s -> s.getType().equals("class")).map(s -> s.getValue()
                                .substring(s.getValue().lastIndexOf('.') + 1)).findFirst().orElse("")
                        + (test.isTest() ? "." + test.getLegacyReportingName() : "");
    }

    private static String reason(TestExecutionResult result) {
        return result.getThrowable().map(Throwable::getMessage).orElse("aborted");
    }
}
