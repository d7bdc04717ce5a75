package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.api.HpcException;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 18: the site's host resource names, read from the head's configuration file. */
class SchedulingSettingsTest {

    private static SchedulingSettings read(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return SchedulingSettings.from(p, "batch");
    }

    @Test
    void hostResourceNamesAreReadInLowerCase() {
        assertEquals(Set.of("gpu_model", "fabric"), read("host-resources", " GPU_model, fabric,").hostResources());
        assertEquals(Set.of(), SchedulingSettings.from(new Properties(), "batch").hostResources());
    }

    @Test
    void aBadNameSaysWhatANameIs() {
        HpcException e = assertThrows(HpcException.class, () -> read("host-resources", "gpu-model"));
        assertTrue(e.getMessage().contains("host-resources: 'gpu-model' is not a resource name; names are letters, "
                + "digits and _, starting with a letter, e.g. gpu_model"), e.getMessage());
    }
}
