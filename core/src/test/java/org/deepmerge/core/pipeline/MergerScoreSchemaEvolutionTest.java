package org.deepmerge.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;
import org.junit.jupiter.api.Test;

/**
 * schemas/merger_score.avsc after the applicability gate (nullable pMerger; applicable, reason, logit) against the
 * schema before it, kept here verbatim as the previous release published it; and after the optional morphology field
 * against the schema without it.
 */
class MergerScoreSchemaEvolutionTest {
    static final String OLD_SCHEMA = """
            {
              "type": "record",
              "name": "MergerScore",
              "namespace": "org.deepmerge.avro.v1",
              "fields": [
                {"name": "sourceId", "type": "string"},
                {"name": "objectId", "type": ["null", "string"], "default": null},
                {"name": "survey", "type": "string"},
                {"name": "ra", "type": "double"},
                {"name": "dec", "type": "double"},
                {"name": "epochMjd", "type": ["null", "double"], "default": null},
                {"name": "pMerger", "type": "float"},
                {"name": "classifications", "type": {"type": "array", "items": {
                  "type": "record", "name": "Classification",
                  "fields": [
                    {"name": "className", "type": "string"},
                    {"name": "probability", "type": "float"}
                  ]}}},
                {"name": "bands", "type": {"type": "array", "items": "string"}, "default": []},
                {"name": "incomplete", "type": "boolean", "default": false},
                {"name": "modelName", "type": "string"},
                {"name": "modelVersion", "type": "string"},
                {"name": "modelSha256", "type": "string"},
                {"name": "ingestTimestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "scoreTimestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}}
              ]
            }""";
    static final Schema OLD = new Schema.Parser().parse(OLD_SCHEMA);
    static final Schema NEW = MergerScore.getClassSchema();

    static MergerScore.Builder base() {
        return MergerScore.newBuilder().setSourceId("739260766315010006").setObjectId("ZTF17aaacxxf").setSurvey("ZTF")
                .setRa(281.5).setDec(32.25).setEpochMjd(58373.2).setBands(List.of("r")).setIncomplete(false)
                .setModelName("m").setModelVersion("1").setModelSha256("00")
                .setIngestTimestamp(Instant.ofEpochMilli(1)).setScoreTimestamp(Instant.ofEpochMilli(2));
    }

    static byte[] writeNew(MergerScore s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(MergerScore.class).write(s, enc);
        enc.flush();
        return out.toByteArray();
    }

    @Test
    void newReaderReadsRecordsOfTheOldSchema() throws Exception {
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(NEW, OLD).getType());
        GenericRecord old = new GenericData.Record(OLD);
        old.put("sourceId", "42");
        old.put("survey", "ZTF");
        old.put("ra", 1.0);
        old.put("dec", 2.0);
        old.put("pMerger", 0.25f);
        GenericRecord cls = new GenericData.Record(OLD.getField("classifications").schema().getElementType());
        cls.put("className", "merger");
        cls.put("probability", 0.25f);
        old.put("classifications", List.of(cls));
        old.put("bands", List.of("g"));
        old.put("incomplete", false);
        old.put("modelName", "m");
        old.put("modelVersion", "1");
        old.put("modelSha256", "00");
        old.put("ingestTimestamp", 10L);
        old.put("scoreTimestamp", 20L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(OLD).write(old, enc);
        enc.flush();
        MergerScore s = new SpecificDatumReader<MergerScore>(OLD, NEW)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals(0.25f, s.getPMerger());
        assertEquals(true, s.getApplicable(), "default");
        assertNull(s.getReason());
        assertNull(s.getLogit());
        assertEquals("42", s.getSourceId());
    }

    @Test
    void oldReaderReadsApplicableRecordsOfTheNewSchemaButNotNotApplicableOnes() throws Exception {
        SchemaCompatibility.SchemaPairCompatibility c = SchemaCompatibility.checkReaderWriterCompatibility(OLD, NEW);
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE, c.getType(), "a null pMerger has no float to become");
        String pMerger = "/fields/" + NEW.getField("pMerger").pos() + "/";
        assertTrue(c.getResult().getIncompatibilities().stream().allMatch(i -> i.getLocation().startsWith(pMerger)),
                "only pMerger's null branch: " + c.getResult().getIncompatibilities());
        MergerScore applicable = base().setPMerger(0.75f).setApplicable(true).setReason(null).setLogit(1.0986)
                .setClassifications(List.of(new Classification("non_merger", 0.25f), new Classification("merger", 0.75f)))
                .build();
        GenericDatumReader<GenericRecord> oldReader = new GenericDatumReader<>(NEW, OLD);
        GenericRecord r = oldReader.read(null, DecoderFactory.get().binaryDecoder(writeNew(applicable), null));
        assertEquals(0.75f, r.get("pMerger"));
        assertEquals(2, ((List<?>) r.get("classifications")).size());
        assertNull(r.getSchema().getField("logit"), "the old reader does not see the new fields");
        MergerScore star = base().setPMerger(null).setApplicable(false).setReason("POINT_SOURCE_CATALOGUE: star")
                .setLogit(null).setClassifications(List.of()).build();
        assertThrows(AvroTypeException.class,
                () -> oldReader.read(null, DecoderFactory.get().binaryDecoder(writeNew(star), null)));
    }

    /** The schema of the release before the morphology field: the current one without it. */
    static Schema withoutMorphology() {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : NEW.getFields()) {
            if (!f.name().equals("morphology")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        assertEquals(NEW.getFields().size() - 1, fields.size(), "the current schema has the morphology field");
        return Schema.createRecord(NEW.getName(), NEW.getDoc(), NEW.getNamespace(), false, fields);
    }

    /** The schema of the release before {@code MorphologyStatistics.snPerPixel}: the current one without it. */
    static Schema withoutSnPerPixel() {
        Schema stats = MorphologyStatistics.getClassSchema();
        List<Schema.Field> statFields = new ArrayList<>();
        for (Schema.Field f : stats.getFields()) {
            if (!f.name().equals("snPerPixel")) {
                statFields.add(new Schema.Field(f, f.schema()));
            }
        }
        assertEquals(stats.getFields().size() - 1, statFields.size(), "the current record has snPerPixel");
        Schema oldStats = Schema.createRecord(stats.getName(), stats.getDoc(), stats.getNamespace(), false, statFields);
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : NEW.getFields()) {
            fields.add(f.name().equals("morphology")
                    ? new Schema.Field(f.name(), Schema.createUnion(Schema.create(Schema.Type.NULL), oldStats), f.doc(),
                            Schema.Field.NULL_DEFAULT_VALUE)
                    : new Schema.Field(f, f.schema()));
        }
        return Schema.createRecord(NEW.getName(), NEW.getDoc(), NEW.getNamespace(), false, fields);
    }

    static MergerScore applicable(MorphologyStatistics morphology) {
        return base().setPMerger(0.75f).setApplicable(true).setReason(null).setLogit(1.0986)
                .setClassifications(List.of(new Classification("non_merger", 0.25f), new Classification("merger", 0.75f)))
                .setMorphology(morphology).build();
    }

    /** A new reader reads what the previous schema wrote, and a reader of the previous schema what the new one writes. */
    static void assertCompatibleBothWays(Schema previous) {
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(NEW, previous).getType(), "new reader, old writer");
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(previous, NEW).getType(), "old reader, new writer");
    }

    @Test
    void theMorphologyFieldIsCompatibleBothWays() throws Exception {
        Schema previous = withoutMorphology();
        assertCompatibleBothWays(previous);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<MergerScore>(previous).write(applicable(null), enc);
        enc.flush();
        MergerScore read = new SpecificDatumReader<MergerScore>(previous, NEW)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertNull(read.getMorphology(), "default null");
        assertEquals(0.75f, read.getPMerger());

        MorphologyStatistics m = MorphologyStatistics.newBuilder().setBand("r").setPixelScaleArcsec(1.2).setFlag("OK")
                .setConcentration(2.45).setAsymmetry(0.25).setGini(0.49).setM20(-1.3).setGiniM20Merger(-0.02)
                .setGiniM20Bulge(-0.63).setHalfLightRadiusArcsec(1.64).setPetrosianRadiusArcsec(3.4)
                .setR20Arcsec(null).build();
        byte[] withMorphology = writeNew(applicable(m));
        GenericRecord old = new GenericDatumReader<GenericRecord>(NEW, previous)
                .read(null, DecoderFactory.get().binaryDecoder(withMorphology, null));
        assertNull(old.getSchema().getField("morphology"), "the old reader skips the field");
        assertEquals(0.75f, old.get("pMerger"));
        assertEquals(1.0986, old.get("logit"));
        MergerScore again = new SpecificDatumReader<>(MergerScore.class)
                .read(null, DecoderFactory.get().binaryDecoder(withMorphology, null));
        assertEquals(m, again.getMorphology());
    }

    @Test
    void theSignalToNoiseFieldIsCompatibleBothWays() throws Exception {
        Schema previous = withoutSnPerPixel();
        assertCompatibleBothWays(previous);

        GenericRecord oldStats = new org.apache.avro.generic.GenericData.Record(
                previous.getField("morphology").schema().getTypes().get(1));
        oldStats.put("band", "r");
        oldStats.put("pixelScaleArcsec", 1.2);
        oldStats.put("flag", "OK");
        oldStats.put("gini", 0.49);
        GenericRecord oldRecord = new org.apache.avro.generic.GenericData.Record(previous);
        MergerScore template = applicable(null);
        for (Schema.Field f : previous.getFields()) {
            Object v = f.name().equals("morphology") ? oldStats : template.get(f.name());
            oldRecord.put(f.name(), v instanceof Instant t ? t.toEpochMilli() : v);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(previous).write(oldRecord, enc);
        enc.flush();
        MergerScore read = new SpecificDatumReader<MergerScore>(previous, NEW)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals(0.49, read.getMorphology().getGini());
        assertNull(read.getMorphology().getSnPerPixel(), "default null");

        MorphologyStatistics m = MorphologyStatistics.newBuilder().setBand("r").setPixelScaleArcsec(1.2)
                .setFlag("LOW_SIGNAL_TO_NOISE").setSnPerPixel(1.1).build();
        GenericRecord old = new GenericDatumReader<GenericRecord>(NEW, previous)
                .read(null, DecoderFactory.get().binaryDecoder(writeNew(applicable(m)), null));
        GenericRecord oldView = (GenericRecord) old.get("morphology");
        assertNull(oldView.getSchema().getField("snPerPixel"), "the old reader skips the field");
        assertEquals("LOW_SIGNAL_TO_NOISE", oldView.get("flag").toString());
    }
}
