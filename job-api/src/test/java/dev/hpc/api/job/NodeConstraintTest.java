package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: node properties (Torque {@code nodes=2:ppn=8:ib}, {@code -l feature}, Slurm
 * {@code --constraint}) and string-valued host resources ({@code select=...:gpu_model=v100}) are
 * read into a {@link NodeConstraint}, which admits only nodes whose {@link NodeTraits} match.
 */
class NodeConstraintTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);

    private static Resources parsed(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest("#!/bin/bash\n" + script + "\nhostname\n", List.of(options),
                "alice", "login1", "/home/alice", Map.of()), SubmitDefaults.STANDARD, CLOCK).resources();
    }

    private static String refusal(String script, String... options) {
        return assertThrows(InvalidRequestException.class, () -> parsed(script, options)).getMessage();
    }

    private static NodeTraits node(String properties, String... resources) {
        return NodeTraits.parse(properties, List.of(resources), "--properties", "--resource");
    }

    @Nested
    class Reading {
        @Test
        void torquePropertiesFollowTheNodeCount() {
            Resources r = parsed("#PBS -l nodes=2:ppn=8:ib");
            assertEquals(2, r.nodes());
            assertEquals(8, r.coresPerNode());
            assertEquals("ib", r.constraint().features());
            assertEquals("bigmem&ib", parsed("#PBS -l nodes=1:bigmem:ppn=4:ib").constraint().features());
        }

        @Test
        void torqueFeatureAndSlurmConstraintAddToTheNodeRequest() {
            assertEquals("bigmem&ib", parsed("#PBS -l nodes=2:ppn=8:ib\n#PBS -l feature=bigmem").constraint()
                    .features());
            assertEquals("ib&skylake|cascadelake&ib", parsed("#SBATCH -N 2\n#SBATCH --constraint=\"ib&skylake|ib&cascadelake\"")
                    .constraint().features());
            assertEquals("ib", parsed("#SBATCH -C ib").constraint().features());
            assertEquals("opa", parsed("#SBATCH -C ib\n#SBATCH -C opa").constraint().features(),
                    "a later -C replaces an earlier one");
        }

        @Test
        void andBindsBeforeOr() {
            NodeConstraint c = NodeConstraint.parseFeatures("a&b|c");
            assertEquals(List.of(new TreeSet<>(Set.of("a", "b")), new TreeSet<>(Set.of("c"))), c.anyOf());
            assertEquals("a&b|c", c.features());
        }

        @Test
        void stringValuesInSelectAreHostResourcesAndAmountsStayGeneric() {
            Resources r = parsed("#PBS -l select=2:ncpus=8:ngpus=2:gpu_model=v100:fabric=edr:scratch=100gb");
            assertEquals(Map.of("gpu_model", "v100", "fabric", "edr"), r.constraint().resources());
            assertEquals(Map.of("gpu", 2L, "scratch", 100L << 30), r.generic());
            assertEquals(Map.of("gpu_model", "2080ti"), parsed("#PBS -l select=1:ncpus=1:gpu_model=2080ti")
                    .constraint().resources(), "a value that looks like a size with an unknown unit is a string");
            assertEquals(Map.of("host_type", "skylake"), parsed("#PBS -l host_type=skylake").constraint().resources());
        }

        /** Issue 18: a Slurm GPU type is the host resource gpu_model, as PBS Pro's ngpus=2:gpu_model=v100. */
        @Test
        void aSlurmGpuTypeInEveryFormIsTheHostResourceGpuModel() {
            Resources pbs = parsed("#PBS -l select=1:ncpus=1:ngpus=2:gpu_model=v100");
            for (String typed : List.of("#SBATCH --gres=gpu:v100:2", "#SBATCH --gpus=v100:2",
                    "#SBATCH --gpus-per-node=v100:2", "#SBATCH --gpus-per-task=v100:2", "#SBATCH -G v100:2",
                    "#SBATCH --gres=gpu:v100:2,scratch:1")) {
                Resources r = parsed(typed);
                assertEquals(pbs.constraint(), r.constraint(), typed);
                assertEquals(2L, r.generic().get("gpu"), typed);
            }
            assertEquals(Map.of("gpu_model", "v100"), parsed("#SBATCH --gres=gpu:v100:1\n#SBATCH --gpus=v100:2")
                    .constraint().resources(), "two options naming one type ask for it once");
            assertEquals(Map.of("gpu_model", "v100", "fabric", "edr"), parsed("#SBATCH --gres=gpu:v100:1\n"
                    + "#PBS -l fabric=edr").constraint().resources());
            assertEquals("ib", parsed("#SBATCH -C ib\n#SBATCH --gpus=v100:1").constraint().features());
        }

        @Test
        void anUntypedSlurmGpuRequestDropsTheTypeOfTheSameOptionOnly() {
            assertTrue(parsed("#SBATCH --gres=gpu:v100:2\n#SBATCH --gres=gpu:2").constraint().isEmpty());
            assertTrue(parsed("#SBATCH --gpus=v100:2\n#SBATCH --gpus=2").constraint().isEmpty());
            assertEquals(Map.of("gpu_model", "v100"), parsed("#SBATCH --gpus=v100:2\n#SBATCH --gres=gpu:2")
                    .constraint().resources());
            assertTrue(parsed("#SBATCH --gres=mic:knl:2").constraint().isEmpty(),
                    "only a GPU type is matched; the type of another generic resource is recorded");
        }

        @Test
        void aBooleanTrueInSelectIsAProperty() {
            assertEquals("bigmem", parsed("#PBS -l select=1:ncpus=4:bigmem=True").constraint().features());
        }

        @Test
        void partsOfANodeRequestMustAskForTheSameKindOfNode() {
            assertEquals(3, parsed("#PBS -l nodes=2:ppn=4:ib+1:ppn=4:ib").nodes());
            assertTrue(refusal("#PBS -l nodes=2:ppn=4:ib+1:ppn=4").contains("nodes of different shapes"));
        }

        @Test
        void aSlurmNodeRequestDropsThePbsOneWithItsProperties() {
            assertTrue(parsed("#PBS -l nodes=1:ppn=2:ib\n#SBATCH -N 1").constraint().isEmpty());
        }
    }

    @Nested
    class Refusals {
        @Test
        void slurmSyntaxBeyondAndAndOrIsRefusedSayingWhatToWrite() {
            assertEquals("line 2: -C: '[rack1|rack2]': '[' is not supported in a constraint; join "
                    + "feature names with & (and) and | (or), e.g. ib&bigmem or skylake|cascadelake",
                    refusal("#SBATCH -C [rack1|rack2]"));
            assertEquals("line 2: --constraint: 'ib&' has an empty feature name; write names joined with & or |, "
                    + "e.g. ib&bigmem", refusal("#SBATCH --constraint=ib&"));
        }

        @Test
        void badNamesAndValuesSayWhatIsAllowed() {
            assertEquals("option -l nodes=1:ppn=2:i/b: 'i/b' is not a node property; properties are letters, digits, "
                    + "'_', '.' and '-' (at most 64, not only digits), e.g. ib or bigmem",
                    refusal("", "-l", "nodes=1:ppn=2:i/b"));
            assertEquals("option -l select=1:gpu_model=v1/00: gpu_model=v1/00: a resource value is letters, digits, "
                    + "'_', '.', '+' and '-' (at most 64), e.g. gpu_model=v100",
                    refusal("", "-l", "select=1:gpu_model=v1/00"));
            assertEquals("option -l select=1:ib=false: ib=false: asking for nodes without a property is not "
                    + "supported; leave ib out to take any node", refusal("", "-l", "select=1:ib=false"));
        }

        @Test
        void twoGpuTypesAreRefusedNamingBothOptions() {
            assertEquals("line 2: --gres gpu:v100:1, line 3: --gpus a100:2: the job asks for both gpu_model=v100 "
                    + "and gpu_model=a100; a node has one value of gpu_model: ask for one",
                    refusal("#SBATCH --gres=gpu:v100:1\n#SBATCH --gpus=a100:2"));
            assertEquals("line 2: --gres: the job asks for both gpu_model=v100 and gpu_model=a100; a node has one "
                    + "value of gpu_model: ask for one", refusal("#SBATCH --gres=gpu:v100:1,gpu:a100:1"));
            assertEquals("line 2: --gpus: gpu_model=v1/00: a resource value is letters, digits, '_', '.', '+' and "
                    + "'-' (at most 64), e.g. gpu_model=v100", refusal("#SBATCH --gpus=v1/00:2"));
        }

        @Test
        void twoValuesOfOneResourceAreRefused() {
            assertEquals("option -l select=1:ncpus=1:gpu_model=v100: the job asks for both gpu_model=v100 and "
                    + "gpu_model=a100; a node has one value of gpu_model: ask for one",
                    refusal("", "-l", "select=1:ncpus=1:gpu_model=v100,gpu_model=a100"));
        }
    }

    @Nested
    class Matching {
        @Test
        void aNodeNeedsEveryPropertyOfOneChoiceAndEveryValue() {
            NodeConstraint c = NodeConstraint.parseFeatures("ib&bigmem|opa").and(NodeConstraint.resource("gpu_model",
                    "v100"));
            assertTrue(c.admits(node("ib,bigmem,fast", "gpu_model=v100")));
            assertTrue(c.admits(node("opa", "gpu_model=v100", "fabric=edr")));
            assertFalse(c.admits(node("ib", "gpu_model=v100")));
            assertFalse(c.admits(node("opa", "gpu_model=a100")));
            assertFalse(c.admits(node("opa")));
            assertTrue(NodeConstraint.NONE.admits(NodeTraits.NONE));
        }

        @Test
        void whyNoNodeQualifiesNamesWhatIsMissing() {
            NodeConstraint c = NodeConstraint.parseFeatures("bigmem").and(NodeConstraint.resource("gpu_model", "a100"));
            assertEquals("no node has gpu_model=a100, property bigmem",
                    c.unmetBy(List.of(node("ib", "gpu_model=v100"))));
            assertEquals("no node has all of properties ib&opa together",
                    NodeConstraint.parseFeatures("ib&opa").unmetBy(List.of(node("ib"), node("opa"))));
            assertEquals("", c.unmetBy(List.of(node("bigmem", "gpu_model=a100"))));
        }

        @Test
        void choicesMultiplyButAreBounded() {
            NodeConstraint c = NodeConstraint.parseFeatures("a|b").and(NodeConstraint.parseFeatures("c|d"));
            assertEquals("a&c|a&d|b&c|b&d", c.features());
            StringBuilder many = new StringBuilder("p0");
            for (int i = 1; i < 9; i++) {
                many.append("|p").append(i);
            }
            NodeConstraint nine = NodeConstraint.parseFeatures(many.toString());
            assertTrue(assertThrows(InvalidRequestException.class, () -> nine.and(nine)).getMessage()
                    .contains("at most 64 are allowed"));
        }
    }

    @Nested
    class Declaring {
        @Test
        void workerDeclarationsAreChecked() {
            NodeTraits t = node("ib, bigmem", "gpu_model=v100", "Fabric=edr");
            assertEquals(Set.of("bigmem", "ib"), t.properties());
            assertEquals(Map.of("gpu_model", "v100", "fabric", "edr"), t.resources());
            assertEquals(NodeTraits.NONE, node(""));
            assertEquals("--resource 'gpu_model' must be NAME=VALUE, e.g. gpu_model=v100",
                    assertThrows(InvalidRequestException.class, () -> node("", "gpu_model")).getMessage());
            assertEquals("--properties 'ib,,x' has an empty entry; write names separated by commas, e.g. ib,bigmem",
                    assertThrows(InvalidRequestException.class, () -> node("ib,,x")).getMessage());
            assertEquals("--resource gpu_model=v100: 'gpu_model' is given twice; give each resource once",
                    assertThrows(InvalidRequestException.class, () -> node("", "gpu_model=a100", "gpu_model=v100"))
                            .getMessage());
        }
    }

    @Nested
    class Coding {
        @Test
        void resourcesCarryTheConstraintThroughJson() {
            Resources r = new Resources(2, 4, 0, Duration.ofHours(1), 4, Map.of(),
                    NodeConstraint.parseFeatures("ib|opa").and(NodeConstraint.resource("gpu_model", "v100")));
            Resources back = Codec.readResources(Json.readObject(Json.write(Codec.toMap(r))));
            assertEquals(r, back);
            assertEquals(NodeConstraint.NONE, Codec.readResources(JsonFields.of(Map.of("nodes", 1))).constraint(),
                    "a body written before constraints existed takes any node");
        }

        @Test
        void nodesReadBackWithTheirTraitsAndOlderBodiesWithout() {
            NodeInfo n = new NodeInfo("n1", "h1", NodeState.FREE, 4, 0, 1 << 30, 0, Health.UNKNOWN, Instant.EPOCH, "",
                    List.of()).withTraits(node("ib", "gpu_model=v100"));
            Map<String, Object> written = Codec.toMap(n);
            assertEquals(n.traits(), Codec.readNode(JsonFields.of(written)).traits());
            written.remove("properties");
            written.remove("hostResources");
            assertEquals(NodeTraits.NONE, Codec.readNode(JsonFields.of(written)).traits());
        }

        @Test
        void theRegistrationCarriesTheTraits() {
            WireMessage.Register r = new WireMessage.Register("n1", "h1", 4, 1 << 30, Map.of(), "", List.of(),
                    List.of(), Health.UNKNOWN, node("ib,bigmem", "gpu_model=v100"));
            WireMessage.Register back = (WireMessage.Register) WireCodec.decodeFromWorker(WireCodec.encode(r));
            assertEquals(r.traits(), back.traits());
            WireMessage.Register plain = new WireMessage.Register("n1", "h1", 4, 1 << 30, Map.of(), "", List.of(),
                    List.of());
            assertFalse(WireCodec.encode(plain).contains("properties"), "an older head reads it unchanged");
            assertEquals(NodeTraits.NONE, ((WireMessage.Register) WireCodec.decodeFromWorker(WireCodec.encode(plain)))
                    .traits());
        }
    }
}
