package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19: a worker's GPUs by their driver's ids, declared or found by nvidia-smi, bound to each task. */
class GpuDevicesTest {
    @TempDir
    Path dir;

    @Test
    void declaredIdsAreKeptInOrderAndBadOnesAreRefusedWithTheFix() {
        assertEquals(List.of("1", "3"), GpuDevices.parse("1,3").ids());
        assertEquals(List.of("GPU-5d2e0a1c-1111", "MIG-2/1/0"), GpuDevices.parse("GPU-5d2e0a1c-1111, MIG-2/1/0").ids());
        assertEquals(List.of(), GpuDevices.parse("none").ids());
        WorkerConfigException twice = assertThrows(WorkerConfigException.class, () -> GpuDevices.parse("0,1,0"));
        assertTrue(twice.getMessage().contains("lists GPU 0 twice"), twice.getMessage());
        WorkerConfigException empty = assertThrows(WorkerConfigException.class, () -> GpuDevices.parse("0,,1"));
        assertTrue(empty.getMessage().contains("CUDA_VISIBLE_DEVICES"), empty.getMessage());
    }

    @Test
    void nvidiaSmiListingGivesIndicesAndNames() {
        GpuDevices found = GpuDevices.fromNvidiaSmi("""
                GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-8a2b8f0e-6b1e-4c3f-9f0a-0b6a1d1e2f30)
                GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6)
                  MIG 1g.5gb      Device  0: (UUID: MIG-11111111-2222-3333-4444-555555555555)
                """);
        assertEquals(List.of("0", "1"), found.ids());
        assertEquals(List.of("NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB"), found.names());
        assertEquals(List.of(), GpuDevices.fromNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate "
                + "with the NVIDIA driver.").ids());
    }

    @Test
    void theHeadsPositionsBecomeThisNodesIds() {
        GpuDevices odd = GpuDevices.parse("1,3");
        Map<String, String> bound = odd.bind(Map.of("CUDA_VISIBLE_DEVICES", "1", "ROCR_VISIBLE_DEVICES", "1",
                "GPU_DEVICE_ORDINAL", "0,1", "OTHER", "0"));
        assertEquals("3", bound.get("CUDA_VISIBLE_DEVICES"));
        assertEquals("3", bound.get("ROCR_VISIBLE_DEVICES"));
        assertEquals("1,3", bound.get("GPU_DEVICE_ORDINAL"));
        assertEquals("0", bound.get("OTHER"), "only the GPU variables are turned");
        assertEquals("", odd.bind(Map.of("CUDA_VISIBLE_DEVICES", "7")).get("CUDA_VISIBLE_DEVICES"),
                "a position this node lacks gives no GPU, never another's");
        Map<String, String> positional = Map.of("CUDA_VISIBLE_DEVICES", "1");
        assertEquals(positional, GpuDevices.parse("0,1").bind(positional));
    }

    @Test
    void detectionRunsNvidiaSmiFromThePathAndFindsNothingWithoutIt() throws Exception {
        assertTrue(GpuDevices.detect(dir.toString()).isEmpty(), "no nvidia-smi, no GPUs");
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n[ \"$1\" = -L ] || exit 2\necho 'GPU 0: Tesla V100-SXM2-16GB (UUID: GPU-a)'\n"
                + "echo 'GPU 1: Tesla V100-SXM2-16GB (UUID: GPU-b)'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        GpuDevices found = GpuDevices.detect("/nonexistent:" + dir).orElseThrow();
        assertEquals(List.of("0", "1"), found.ids());
        Files.writeString(smi, "#!/bin/sh\necho 'No devices were found'\nexit 6\n");
        assertTrue(GpuDevices.detect(dir.toString()).isEmpty(), "a failing nvidia-smi offers no GPUs");
    }

    @Test
    void declaredGpusAreTheGpuResourceAndCannotBeDeclaredTwice() {
        WorkerConfig c = WorkerConfig.builder().heads(List.of("127.0.0.1:1")).memory("1gb").cores(2)
                .spoolDir(dir).gpus("1,3").build();
        assertEquals(2L, c.generic().get("gpu"));
        assertEquals(List.of("1", "3"), c.gpus().ids());
        WorkerConfigException both = assertThrows(WorkerConfigException.class, () -> WorkerConfig.builder()
                .heads(List.of("127.0.0.1:1")).memory("1gb").cores(2).spoolDir(dir).gpus("0,1").generic("gpu=2")
                .build());
        assertTrue(both.getMessage().contains("--gpus and --generic gpu=N"), both.getMessage());
    }
}
