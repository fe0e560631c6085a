package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.deepmerge.app.models.ShadowReport;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.model.ModelCatalog;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code deepmerge models shadow|list|compare} without a broker: argument checks, the list marks, the report. */
class ModelsCommandTest {
    private static String run(int expectedCode, String... args) {
        CommandLine cli = DeepMergeCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertEquals(expectedCode, cli.execute(args), out.toString());
        return out.toString();
    }

    @Test
    void shadowNeedsAVersionOrClearButNotBoth() {
        // a bootstrap nothing listens on: the arguments are refused before any connection
        assertTrue(run(2, "models", "shadow", "m", "--bootstrap=127.0.0.1:1").contains("give a version, or --clear"));
        assertTrue(run(2, "models", "shadow", "m", "2", "--clear", "--bootstrap=127.0.0.1:1")
                .contains("--clear takes the model name only"));
        assertTrue(run(0, "models", "compare", "--help").contains("--shadow-topic"));
        assertTrue(run(2, "models", "shadow", "bad#name", "2", "--bootstrap=127.0.0.1:1")
                .contains("NAME 'bad#name' is not a model name"));
        assertTrue(run(2, "models", "promote", "m", "../2", "--bootstrap=127.0.0.1:1")
                .contains("VERSION '../2' is not a model name or version"));
    }

    private static byte[] artifact(String version) throws Exception {
        byte[] onnx = ("onnx " + version).getBytes(StandardCharsets.UTF_8);
        return ModelTopic.encode(ModelArtifact.newBuilder().setName("m").setVersion(version)
                .setSha256(ModelIdentity.sha256(onnx)).setOnnx(ByteBuffer.wrap(onnx)).setModelCardJson("{}")
                .setCreatedAt(Instant.EPOCH).setProducer("test").setContract(Map.of()).build());
    }

    @Test
    void listMarksTheShadowAndNamesItsPointer() throws Exception {
        ModelCatalog c = new ModelCatalog();
        c.apply(ModelTopic.versionKey("m", "1"), artifact("1"));
        c.apply(ModelTopic.versionKey("m", "2"), artifact("2"));
        c.promote("m", "1", Instant.EPOCH).forEach(w -> c.apply(w.key(), w.value()));
        c.shadow("m", "2", Instant.EPOCH).forEach(w -> c.apply(w.key(), w.value()));
        String table = ModelsCommand.render(c, null, "t");
        assertTrue(table.lines().anyMatch(l -> l.startsWith("*  ") && l.contains("m@1")), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("s  ") && l.contains("m@2")), table);
        assertTrue(table.contains("m shadow pointer: 2"), table);
    }

    @Test
    void aVersionGoingLiveClearsAShadowThatDoesNotTakeItsInput(@TempDir Path tmp) throws Exception {
        String name = "mean-sigmoid-test";
        Map<String, Path> files = Map.of("1", TestModels.meanSigmoid(tmp.resolve("1.onnx"), 0.01f, "1"),
                "2", TestModels.meanSigmoid(tmp.resolve("2.onnx"), 0.02f, "2"),
                "3", TestModels.meanSigmoid(tmp.resolve("3.onnx"), 0.01f, "3", List.of("g", "r")));
        ModelCatalog c = new ModelCatalog();
        Map<String, ModelArtifact> artifacts = new java.util.HashMap<>();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            ModelArtifact a = TestModels.artifact(f.getValue(), name, f.getKey(), ModelIdentity.sha256(f.getValue()));
            artifacts.put(f.getKey(), a);
            c.apply(ModelTopic.versionKey(name, f.getKey()), ModelTopic.encode(a));
        }
        c.promote(name, "1", Instant.EPOCH).forEach(w -> c.apply(w.key(), w.value()));
        c.shadow(name, "2", Instant.EPOCH).forEach(w -> c.apply(w.key(), w.value()));
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);

        ModelContract one = ModelsCommand.verify(artifacts.get("1"), out);
        assertEquals(List.of(), ModelsCommand.clearIncompatibleShadow(c, name, one, List.of(), out),
                "a version that takes the shadow's input keeps the shadow");
        ModelContract three = ModelsCommand.verify(artifacts.get("3"), out);
        List<ModelCatalog.Write> cleared = ModelsCommand.clearIncompatibleShadow(c, name, three,
                c.promote(name, "3", Instant.EPOCH), out);
        assertEquals(1, cleared.size());
        assertEquals(ModelTopic.Key.Kind.SHADOW, ModelTopic.parseKey(cleared.get(0).key()).kind());
        assertNull(cleared.get(0).value(), "the shadow pointer's tombstone");
        assertTrue(text.toString().contains("clearing shadow " + name + " 2"), text.toString());
    }

    private static MergerScore score(String id, String version, Float p) {
        return MergerScore.newBuilder().setSourceId(id).setSurvey("ZTF").setRa(0).setDec(0).setPMerger(p)
                .setApplicable(p != null).setClassifications(List.of()).setModelName("m").setModelVersion(version)
                .setModelSha256("sha" + version).setIngestTimestamp(Instant.EPOCH).setScoreTimestamp(Instant.EPOCH)
                .build();
    }

    @Test
    void compareJoinsBySourceIdAndPrintsTheTable() throws Exception {
        ShadowReport r = new ShadowReport();
        r.live(score("a", "1", 0.9f));
        r.live(score("b", "1", 0.2f));
        r.live(score("c", "1", 0.7f));
        r.live(score("d", "1", null)); // not applicable: no pair
        r.shadow(score("a", "2", 0.8f));
        r.shadow(score("b", "2", 0.6f));
        r.shadow(score("c", "2", 0.4f));
        r.shadow(score("d", "2", 0.5f));
        r.shadow(score("e", "2", 0.5f)); // no live score: no pair
        List<ShadowReport.Group> groups = r.groups(0.5);
        assertEquals(1, groups.size());
        assertEquals(3, groups.get(0).summary().pairs());
        assertEquals(2, r.unpaired());
        // live ranks 3, 1, 2 and shadow ranks 3, 2, 1: rho = 0.5
        assertEquals(0.5, groups.get(0).summary().spearman(), 1e-12);
        assertEquals(1.0 / 3, groups.get(0).summary().agreement(), 1e-12);
        String text = r.text(0.5);
        assertTrue(text.contains("n                  3"), text);
        assertTrue(text.contains("shadow m 2 (sha256 sha2)"), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+live >= 0\\.50\\s+1\\s+1")), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+live < 0\\.50\\s+1\\s+0")), text);
        JsonNode json = new ObjectMapper().readTree(r.json(0.5));
        assertEquals(3, json.get("comparisons").get(0).get("n").asInt());
        assertEquals(1, json.get("comparisons").get(0).get("table").get("liveNoShadowYes").asInt());
    }
}
