package org.deepmerge.streams.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.config.DeepMergeStreamsConfig.OutputEncoding;
import org.junit.jupiter.api.Test;

class MergerScoreSerdeTest {

    static MergerScore score() {
        return MergerScore.newBuilder().setSourceId("2480149235015015012").setObjectId("ZTF18abcdefg").setSurvey("ZTF")
                .setRa(123.4).setDec(-5.6).setEpochMjd(60000.25).setPMerger(0.75f)
                .setClassifications(List.of(new Classification("non-merger", 0.25f), new Classification("merger", 0.75f)))
                .setBands(List.of("r")).setIncomplete(false).setModelName("m").setModelVersion("1")
                .setModelSha256("ab".repeat(32)).setIngestTimestamp(Instant.ofEpochMilli(1000))
                .setScoreTimestamp(Instant.ofEpochMilli(2000)).build();
    }

    @Test
    void plainIsAvroBinaryReadableWithTheSchemaAlone() throws Exception {
        MergerScoreSerde serde = new MergerScoreSerde(OutputEncoding.PLAIN, null);
        byte[] b = serde.serializer().serialize("t", score());
        GenericRecord r = new GenericDatumReader<GenericRecord>(MergerScore.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(b, null));
        assertEquals("2480149235015015012", r.get("sourceId").toString());
        assertEquals(0.75f, (Float) r.get("pMerger"));
        assertEquals(score(), serde.deserializer().deserialize("t", b));
    }

    @Test
    void singleObjectHasMagicAndSchemaFingerprint() {
        MergerScoreSerde serde = new MergerScoreSerde(OutputEncoding.SINGLE_OBJECT, null);
        byte[] b = serde.serializer().serialize("t", score());
        assertEquals((byte) 0xC3, b[0]);
        assertEquals((byte) 0x01, b[1]);
        long fp = ByteBuffer.wrap(b, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(SchemaNormalization.parsingFingerprint64(MergerScore.getClassSchema()), fp);
        assertEquals(score(), serde.deserializer().deserialize("t", b));
        byte[] plain = new MergerScoreSerde(OutputEncoding.PLAIN, null).serializer().serialize("t", score());
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("t", plain));
    }

    @Test
    void confluentWithFixedId() throws Exception {
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null, Map.of(), Map.of(
                DeepMergeStreamsConfig.OUTPUT_ENCODING, "confluent", DeepMergeStreamsConfig.OUTPUT_SCHEMA_ID, "4242"));
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(c);
        byte[] b = serde.serializer().serialize("scores", score());
        assertEquals(0, b[0]);
        assertEquals(4242, MergerScoreSerde.confluentSchemaId(b));
        assertEquals(score(), serde.deserializer().deserialize("scores", b));
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("scores", new byte[] {1, 2}));
    }

    /**
     * A registry speaking the Confluent REST protocol (in-JVM HTTP server): the serializer registers the schema under
     * {@code <topic>-value} once and frames records with the returned id.
     */
    @Test
    void confluentRegistersSchemaUnderTopicValueSubject() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/subjects/", ex -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ex.getRequestBody().transferTo(body);
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body.toString(StandardCharsets.UTF_8)
                    + " auth=" + ex.getRequestHeaders().getFirst("Authorization"));
            byte[] resp = "{\"id\":77}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            ex.sendResponseHeaders(200, resp.length);
            ex.getResponseBody().write(resp);
            ex.close();
        });
        server.start();
        try {
            DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null, Map.of(), Map.of(
                    DeepMergeStreamsConfig.OUTPUT_ENCODING, "confluent",
                    DeepMergeStreamsConfig.OUTPUT_REGISTRY_URL, "http://127.0.0.1:" + server.getAddress().getPort(),
                    DeepMergeStreamsConfig.OUTPUT_REGISTRY_BEARER_TOKEN, "out-token"));
            MergerScoreSerde serde = MergerScoreSerde.fromConfig(c);
            byte[] a = serde.serializer().serialize("scores", score());
            assertEquals(77, MergerScoreSerde.confluentSchemaId(a));
            assertEquals(1, requests.size());
            assertTrue(requests.get(0).startsWith("POST /subjects/scores-value/versions"), requests.get(0));
            assertTrue(requests.get(0).contains("MergerScore"), requests.get(0));
            assertTrue(requests.get(0).endsWith(" auth=Bearer out-token"), "output registry credentials sent");
            byte[] b = serde.serializer().serialize("scores", score());
            assertArrayEquals(a, b);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void unreachableRegistryIsASerializationErrorNamingTheRegistry() throws Exception {
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null, Map.of(), Map.of(
                DeepMergeStreamsConfig.OUTPUT_ENCODING, "confluent",
                DeepMergeStreamsConfig.OUTPUT_REGISTRY_URL, "http://127.0.0.1:1"));
        SerializationException e = assertThrows(SerializationException.class,
                () -> MergerScoreSerde.fromConfig(c).serializer().serialize("scores", score()));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
    }
}
