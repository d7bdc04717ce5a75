package dev.hpc.head.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.openqa.selenium.WebDriver;

/**
 * {@code @ExtendWith(Chromium.class)}: a test class that takes a {@link WebDriver} parameter gets the
 * one headless Chromium of the test run (started once, about 5 s saved per class, quit at the end
 * of the run), and is skipped with the reason when Chromium or its driver is not installed.
 */
public final class Chromium implements ExecutionCondition, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Chromium.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String why = WebPage.whyNoBrowser();
        return why.isEmpty() ? ConditionEvaluationResult.enabled("chromium is installed")
                : ConditionEvaluationResult.disabled("no browser test: " + why);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == WebDriver.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Shared.class, k -> Shared.start(),
                Shared.class).driver();
    }

    /** Closed by JUnit when the run ends: the browser quits and its profile is deleted. */
    record Shared(WebDriver driver, Path profile) implements ExtensionContext.Store.CloseableResource {
        static Shared start() {
            try {
                Path profile = Files.createTempDirectory("hpc-chromium-");
                return new Shared(WebPage.startChromium(profile), profile);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                driver.quit();
            } finally {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
