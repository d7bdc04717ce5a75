package dev.hpc.head.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tests' parser of the text format reads what is valid and refuses what Prometheus would refuse. */
class PrometheusTextTest {
    @Test
    void readsFamiliesLabelsAndValues() {
        PrometheusText m = PrometheusText.parse("""
                # HELP a_total Things\\\\ counted\\n here
                # TYPE a_total counter
                a_total{x="1",y="q\\"uote"} 3.0
                # TYPE h histogram
                h_bucket{le="0.1"} 1
                h_bucket{le="+Inf"} 2
                h_count 2
                h_sum 0.5
                # TYPE g gauge
                g NaN
                """);
        assertEquals("counter", m.family("a_total").orElseThrow().type());
        assertEquals("Things\\ counted\n here", m.family("a_total").orElseThrow().help());
        assertEquals(3.0, m.value("a_total", Map.of("y", "q\"uote")).orElseThrow());
        assertEquals(2, m.value("h_count").orElseThrow());
        assertEquals(Double.NaN, m.value("g").orElseThrow());
    }

    @Test
    void refusesWhatIsNotTheFormat() {
        for (String bad : new String[] {"x 1\n", "# TYPE x gauge\nx{a=\"1\" 1\n", "# TYPE x gauge\nx 1\nx 2\n",
                "# TYPE x gauge\nx one\n", "# TYPE x gauge\n# TYPE x gauge\n", "# TYPE x gauge\nx{1a=\"b\"} 1\n",
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_count 2\n", "# TYPE x gauge\nx 1"}) {
            assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(bad), bad);
        }
    }
}
