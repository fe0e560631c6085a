package org.deepmerge.app.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;

class ScoreWritersTest {

    private static final List<String> CLASSES = List.of("non_merger", "merger");

    private static MergerScore score(String id, String objectId, Double epoch, float p) {
        return MergerScore.newBuilder().setSourceId(id).setObjectId(objectId).setSurvey("ZTF")
                .setRa(150.25).setDec(-2.5).setEpochMjd(epoch).setPMerger(p).setLogit(Math.log(p / (1.0 - p)))
                .setClassifications(List.of(new Classification("non_merger", 1 - p), new Classification("merger", p)))
                .setBands(List.of("r", "r", "r")).setIncomplete(true)
                .setModelName("deepmerge, \"da\"").setModelVersion("1").setModelSha256("ab".repeat(32))
                .setIngestTimestamp(Instant.ofEpochMilli(1_700_000_000_000L))
                .setScoreTimestamp(Instant.ofEpochMilli(1_700_000_000_123L)).build();
    }

    /** An alert the applicability gate kept from the model. */
    private static MergerScore star() {
        return MergerScore.newBuilder(score("472263571115115000", "ZTF17aaajnnn", 58001.0, 0.5f)).setPMerger(null)
                .setLogit(null).setApplicable(false).setReason("POINT_SOURCE_CATALOGUE: sgscore1 0.988, 0.09 arcsec")
                .setClassifications(List.of()).build();
    }

    private static final List<MergerScore> SCORES = List.of(
            score("739260766315010006", "ZTF17aaacxxf", 58000.5, 0.25f),
            score("169298432598474793", null, null, 0.75f),
            star());

    private static byte[] write(ScoreFormat format) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ScoreWriter w = format.open(bytes, CLASSES)) {
            for (MergerScore s : SCORES) {
                w.write(s);
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void jsonLinesParseBackOneObjectPerScore() throws Exception {
        String[] lines = new String(write(ScoreFormat.JSONL), StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines[0]);
        assertEquals("739260766315010006", first.get("sourceId").asText());
        assertEquals("ZTF17aaacxxf", first.get("objectId").asText());
        assertEquals(58000.5, first.get("epochMjd").asDouble());
        assertEquals(0.25, first.get("pMerger").asDouble(), 1e-7);
        assertEquals(0.75, first.get("classifications").get("non_merger").asDouble(), 1e-7);
        assertEquals("ab".repeat(32), first.get("modelSha256").asText());
        assertEquals(1_700_000_000_123L, first.get("scoreTimestamp").asLong());
        JsonNode second = mapper.readTree(lines[1]);
        assertTrue(second.get("objectId").isNull());
        assertTrue(second.get("epochMjd").isNull());
        assertEquals(3, second.get("bands").size());
        assertTrue(first.get("applicable").asBoolean());
        assertTrue(first.get("reason").isNull());
        assertEquals(Math.log(0.25 / 0.75), first.get("logit").asDouble(), 1e-9);
        JsonNode star = mapper.readTree(lines[2]);
        assertEquals(false, star.get("applicable").asBoolean());
        assertTrue(star.get("pMerger").isNull());
        assertTrue(star.get("logit").isNull());
        assertTrue(star.get("reason").asText().startsWith("POINT_SOURCE_CATALOGUE: "), star.toString());
        assertEquals(0, star.get("classifications").size());
    }

    @Test
    void csvHasAHeaderAProbabilityColumnPerClassAndQuotesWhereNeeded() throws Exception {
        String[] lines = new String(write(ScoreFormat.CSV), StandardCharsets.UTF_8).split("\n");
        assertEquals(4, lines.length);
        assertEquals("sourceId,objectId,survey,ra,dec,epochMjd,pMerger,applicable,reason,logit,p_non_merger,p_merger,"
                + "bands,incomplete,modelName,modelVersion,modelSha256,ingestTimestamp,scoreTimestamp", lines[0]);
        assertTrue(lines[1].startsWith("739260766315010006,ZTF17aaacxxf,ZTF,150.25,-2.5,58000.5,0.25,true,,"
                + Math.log(0.25f / (1.0 - 0.25f)) + ",0.75,0.25,r|r|r,true,\"deepmerge, \"\"da\"\"\",1,"), lines[1]);
        assertTrue(lines[2].startsWith("169298432598474793,,ZTF,150.25,-2.5,,0.75,true,,"), lines[2]);
        assertTrue(lines[3].startsWith("472263571115115000,ZTF17aaajnnn,ZTF,150.25,-2.5,58001.0,,false,"
                + "\"POINT_SOURCE_CATALOGUE: sgscore1 0.988, 0.09 arcsec\",,,,r|r|r,"), lines[3]);
    }

    @Test
    void csvRoundTripsThroughCommonsCsv() throws Exception {
        MergerScore odd = MergerScore.newBuilder(score("id,with \"quotes\"\nand a line", null, null, 0.5f))
                .setModelName(" padded ").build();
        List<MergerScore> all = new ArrayList<>(SCORES);
        all.add(odd);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ScoreWriter w = ScoreFormat.CSV.open(bytes, CLASSES)) {
            for (MergerScore s : all) {
                w.write(s);
            }
        }
        List<CSVRecord> records;
        try (CSVParser p = CSVParser.parse(bytes.toString(StandardCharsets.UTF_8),
                CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get())) {
            records = p.getRecords();
            assertEquals(19, p.getHeaderNames().size());
        }
        assertEquals(all.size(), records.size());
        for (int i = 0; i < all.size(); i++) {
            MergerScore s = all.get(i);
            CSVRecord r = records.get(i);
            assertEquals(s.getSourceId(), r.get("sourceId"));
            assertEquals(s.getObjectId() == null ? "" : s.getObjectId(), r.get("objectId"));
            assertEquals(s.getModelName(), r.get("modelName"));
            assertEquals(s.getReason() == null ? "" : s.getReason(), r.get("reason"));
            assertEquals(s.getPMerger() == null ? "" : Float.toString(s.getPMerger()), r.get("pMerger"));
            assertEquals(s.getClassifications().isEmpty() ? ""
                    : Float.toString(s.getClassifications().get(1).getProbability()), r.get("p_merger"));
            assertEquals(Long.toString(s.getScoreTimestamp().toEpochMilli()), r.get("scoreTimestamp"));
        }
    }

    @Test
    void avroContainerReadsBackAsMergerScores() throws Exception {
        List<MergerScore> back = new ArrayList<>();
        try (DataFileStream<MergerScore> in = new DataFileStream<>(
                new ByteArrayInputStream(write(ScoreFormat.AVRO)), new SpecificDatumReader<>(MergerScore.class))) {
            in.forEach(back::add);
        }
        assertEquals(SCORES, back);
    }

    @Test
    void rejectLogWritesLocationPositionReasonAndMessage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (RejectLog log = new RejectLog(bytes)) {
            log.reject("n.tar.gz!/a.avro", 7, new DeepMergeException(Reason.MISSING_CUTOUT, "cutoutTemplate is null"));
        }
        JsonNode r = new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8));
        assertEquals("n.tar.gz!/a.avro", r.get("location").asText());
        assertEquals(7, r.get("position").asLong());
        assertEquals("MISSING_CUTOUT", r.get("reason").asText());
        assertEquals("cutoutTemplate is null", r.get("message").asText());
    }
}
