package org.deepmerge.app.offline;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.Schema;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;

/**
 * JSON Lines (one object per line, UTF-8) with the {@code MergerScore} field names:
 * <pre>{"sourceId":"...","objectId":"...","survey":"ZTF","ra":..,"dec":..,"epochMjd":..,"pMerger":0.42,
 *  "applicable":true,"reason":null,"logit":-0.32,"classifications":{"non_merger":0.58,"merger":0.42},"bands":["g","r","i"],"incomplete":false,
 *  "modelName":"..","modelVersion":"..","modelSha256":"..","ingestTimestamp":ms,"scoreTimestamp":ms,
 *  "morphology":{"band":"r","pixelScaleArcsec":1.2,"flag":"OK","concentration":3.1,...}}</pre>
 * Classifications map class name to probability in class order; timestamps are ms since the Unix epoch;
 * non-finite numbers are written as {@code null}. A not-applicable input (applicability gate) has {@code "applicable":false},
 * {@code "pMerger":null}, {@code "logit":null}, the reason and empty classifications. {@code "morphology"} is null
 * unless the scores were made with morphology on; its fields are those of {@code MorphologyStatistics}, in schema
 * order.
 */
public final class JsonLinesScoreWriter implements ScoreWriter {
    private final OutputStream out;
    private final JsonGenerator json;

    /**
     * @param out destination, closed by {@link #close()}
     * @throws IOException when the generator cannot be created
     */
    public JsonLinesScoreWriter(OutputStream out) throws IOException {
        this.out = out;
        this.json = JsonLines.generator(out);
    }

    @Override
    public void write(MergerScore s) throws IOException {
        json.writeStartObject();
        json.writeStringField("sourceId", s.getSourceId());
        json.writeStringField("objectId", s.getObjectId());
        json.writeStringField("survey", s.getSurvey());
        number("ra", s.getRa());
        number("dec", s.getDec());
        number("epochMjd", s.getEpochMjd());
        if (s.getPMerger() == null) {
            json.writeNullField("pMerger");
        } else {
            number("pMerger", s.getPMerger().floatValue());
        }
        json.writeBooleanField("applicable", s.getApplicable());
        json.writeStringField("reason", s.getReason());
        number("logit", s.getLogit());
        json.writeObjectFieldStart("classifications");
        for (Classification c : s.getClassifications()) {
            number(c.getClassName(), c.getProbability());
        }
        json.writeEndObject();
        json.writeArrayFieldStart("bands");
        for (String b : s.getBands()) {
            json.writeString(b);
        }
        json.writeEndArray();
        json.writeBooleanField("incomplete", s.getIncomplete());
        json.writeStringField("modelName", s.getModelName());
        json.writeStringField("modelVersion", s.getModelVersion());
        json.writeStringField("modelSha256", s.getModelSha256());
        json.writeNumberField("ingestTimestamp", s.getIngestTimestamp().toEpochMilli());
        json.writeNumberField("scoreTimestamp", s.getScoreTimestamp().toEpochMilli());
        MorphologyStatistics m = s.getMorphology();
        if (m == null) {
            json.writeNullField("morphology");
        } else {
            json.writeObjectFieldStart("morphology");
            for (Schema.Field f : MorphologyStatistics.getClassSchema().getFields()) {
                Object v = m.get(f.pos());
                if (v instanceof Double d) {
                    number(f.name(), d);
                } else {
                    json.writeStringField(f.name(), v == null ? null : v.toString());
                }
            }
            json.writeEndObject();
        }
        json.writeEndObject();
        json.writeRaw('\n');
    }

    private void number(String field, Double v) throws IOException {
        if (v == null || !Double.isFinite(v)) {
            json.writeNullField(field);
        } else {
            json.writeNumberField(field, v);
        }
    }

    private void number(String field, float v) throws IOException {
        if (!Float.isFinite(v)) {
            json.writeNullField(field);
        } else {
            json.writeNumberField(field, v);
        }
    }

    @Override
    public void flush() throws IOException {
        json.flush();
    }

    @Override
    public void close() throws IOException {
        try (out) {
            json.close();
        }
    }
}
