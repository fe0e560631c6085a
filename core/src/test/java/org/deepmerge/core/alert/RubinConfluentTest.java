package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rubin alerts in Confluent wire format: real Fink-relayed alerts re-encoded in the OFFICIAL lsst.v9_0 schema,
 * framed with schema id 900, decoded through the local schema directory and through a registry over HTTP.
 */
class RubinConfluentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private LocalSchemaDirectory directory;

    @BeforeEach
    void start() throws Exception {
        directory = new LocalSchemaDirectory(TestData.require("schemas/lsst"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/schemas/ids/", exchange -> {
            requests.incrementAndGet();
            String id = exchange.getRequestURI().getPath().substring("/schemas/ids/".length());
            byte[] body;
            int status;
            try {
                Schema s = directory.schemaById(Integer.parseInt(id));
                body = JSON.writeValueAsBytes(Map.of("schema", s.toString()));
                status = 200;
            } catch (DeepMergeException | NumberFormatException e) {
                body = "{\"error_code\":40403,\"message\":\"Schema not found\"}".getBytes(StandardCharsets.UTF_8);
                status = 404;
            }
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI registryUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static GenericRecord firstRecord(byte[] container) throws IOException {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(container), new GenericDatumReader<>())) {
            return in.next();
        }
    }

    @Test
    void schemaDirectoryResolvesEveryOfficialVersionAcrossFiles() throws Exception {
        assertEquals(List.of(704, 900, 1000, 1100), List.copyOf(directory.ids().keySet()));
        Schema v9 = directory.schemaById(900);
        assertEquals("lsst.v9_0.alert", v9.getFullName());
        Schema diaSource = v9.getField("diaSource").schema();
        assertEquals("lsst.v9_0.diaSource", diaSource.getFullName());
        assertTrue(diaSource.getField("band") != null, "named type from lsst.v9_0.diaSource.avsc resolved");
        assertSame(v9, directory.schemaById(900), "cached");
        assertEquals(Reason.UNKNOWN_SCHEMA, assertThrows(DeepMergeException.class, () -> directory.schemaById(901)).reason());
        LocalSchemaDirectory single = new LocalSchemaDirectory(TestData.require("schemas/lsst/v9_0"));
        assertEquals(List.of(900), List.copyOf(single.ids().keySet()));
        SchemaResolver fromConfig = SchemaResolver.forLocation(TestData.require("schemas/lsst").toString());
        assertEquals("lsst.v11_0.alert", fromConfig.schemaById(1100).getFullName());
        assertTrue(SchemaResolver.forLocation(registryUrl().toString()) instanceof RegistrySchemaResolver);
        assertEquals(Reason.IO_ERROR, assertThrows(DeepMergeException.class,
                () -> SchemaResolver.forLocation("/no/such/schema/dir")).reason());
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> SchemaResolver.forLocation(" ")).reason());
    }

    @Test
    void everyFinkAlertReencodedInTheOfficialSchemaDecodesThroughDirectoryAndRegistry() throws Exception {
        Schema official = directory.schemaById(900);
        AlertReader viaDirectory = new AlertReader(directory);
        RegistrySchemaResolver registry = new RegistrySchemaResolver(registryUrl(), Duration.ofSeconds(5));
        AlertReader viaRegistry = new AlertReader(registry);
        StampDecoder decoder = StampDecoder.withDefaults();
        List<Path> files = RealAlertsTest.files("alerts/rubin-v9_0");
        for (Path f : files) {
            byte[] container = Files.readAllBytes(f);
            Alert expected = viaDirectory.read(container);
            byte[] message = AvroCopy.confluent(900, AvroCopy.copy(firstRecord(container), official));
            assertEquals(0, message[0]);
            assertEquals(AlertFormat.RUBIN_CONFLUENT, viaDirectory.detect(message));
            for (AlertReader reader : List.of(viaDirectory, viaRegistry)) {
                Alert a = reader.read(message);
                assertEquals(AlertFormat.RUBIN_CONFLUENT, a.format());
                assertEquals("LSST", a.survey());
                assertEquals(expected.sourceId(), a.sourceId(), f.toString());
                assertEquals(expected.objectId(), a.objectId());
                assertEquals(expected.ra(), a.ra(), 0);
                assertEquals(expected.dec(), a.dec(), 0);
                assertEquals(expected.epochMjd(), a.epochMjd(), 0);
                for (int i = 0; i < 3; i++) {
                    CutoutStamp s = a.stamps().get(i);
                    assertEquals(expected.stamps().get(i).kind(), s.kind());
                    assertEquals(expected.stamps().get(i).band(), s.band());
                    assertArrayEquals(expected.stamps().get(i).data(), s.data());
                }
            }
        }
        assertEquals(1, requests.get(), "registry asked once for id 900, then served from the cache");
        Alert one = viaRegistry.read(AvroCopy.confluent(900, AvroCopy.copy(firstRecord(Files.readAllBytes(files.get(0))), official)));
        Stamp st = decoder.decode(one.stamp("science").orElseThrow());
        assertTrue(st.width() >= 30, "stamp of a Confluent-framed alert decodes");
    }

    @Test
    void officialFakeAlertsOfEveryVersionDecodeFramedWithTheirIds() throws Exception {
        Map<String, Integer> ids = Map.of("v7_4", 704, "v9_0", 900, "v10_0", 1000, "v11_0", 1100);
        AlertReader reader = new AlertReader(directory);
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            GenericRecord fake = firstRecord(Files.readAllBytes(TestData.require("schemas/lsst/" + e.getKey() + "/fakeAlert.avro")));
            GenericRecord rec = AvroCopy.copy(fake, directory.schemaById(e.getValue()));
            Alert a = reader.read(AvroCopy.confluent(e.getValue(), rec));
            assertEquals(AlertFormat.RUBIN_CONFLUENT, a.format(), e.getKey());
            assertEquals(((GenericRecord) fake.get("diaSource")).get("diaSourceId").toString(), a.sourceId());
            assertTrue(a.stamps().stream().noneMatch(CutoutStamp::present), "fakeAlert cutouts are null");
            DeepMergeException missing = assertThrows(DeepMergeException.class,
                    () -> StampDecoder.withDefaults().decode(a.stamp("template").orElseThrow()));
            assertEquals(Reason.MISSING_CUTOUT, missing.reason());
            assertEquals("cutoutTemplate is null", missing.getMessage());
        }
    }

    @Test
    void unknownIdsUnreachableRegistriesAndTruncatedMessagesFailWithReasons() throws Exception {
        byte[] container = Files.readAllBytes(RealAlertsTest.files("alerts/rubin-v9_0").get(0));
        byte[] message = AvroCopy.confluent(900, AvroCopy.copy(firstRecord(container), directory.schemaById(900)));
        byte[] unknown = message.clone();
        java.nio.ByteBuffer.wrap(unknown, 1, 4).putInt(903);

        DeepMergeException e = assertThrows(DeepMergeException.class, () -> new AlertReader(directory).read(unknown));
        assertEquals(Reason.UNKNOWN_SCHEMA, e.reason());
        assertTrue(e.getMessage().contains("903"), e.getMessage());

        AlertReader viaRegistry = new AlertReader(new RegistrySchemaResolver(registryUrl()));
        e = assertThrows(DeepMergeException.class, () -> viaRegistry.read(unknown));
        assertEquals(Reason.UNKNOWN_SCHEMA, e.reason());
        assertTrue(e.getMessage().contains("404"), e.getMessage());

        e = assertThrows(DeepMergeException.class, () -> new AlertReader(null).read(message));
        assertEquals(Reason.UNKNOWN_SCHEMA, e.reason());

        byte[] truncated = Arrays.copyOf(message, message.length / 2);
        e = assertThrows(DeepMergeException.class, () -> new AlertReader(directory).read(truncated));
        assertEquals(Reason.MALFORMED_ALERT, e.reason(), e.getMessage());

        int port = server.getAddress().getPort();
        server.stop(0);
        AlertReader dead = new AlertReader(new RegistrySchemaResolver(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2)));
        e = assertThrows(DeepMergeException.class, () -> dead.read(message));
        assertEquals(Reason.IO_ERROR, e.reason(), e.getMessage());

        e = assertThrows(DeepMergeException.class, () -> new RegistrySchemaResolver(URI.create("file:///tmp")));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
    }
}
