package org.deepmerge.app.offline;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.commons.csv.CSVPrinter;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;
import org.deepmerge.core.io.Csv;

/**
 * CSV in the project's one CSV codec ({@link Csv#FORMAT}: RFC 4180 by Apache Commons CSV, fields holding a comma,
 * quote or line break quoted with quotes doubled, records ending in {@code \n}) with a header row. Columns:
 * {@code sourceId,objectId,survey,ra,dec,epochMjd,pMerger,applicable,reason,logit}, then {@code p_<class>} for every class in output order (empty, like pMerger and logit, for an input the applicability
 * gate kept from the model), then
 * {@code bands,incomplete,modelName,modelVersion,modelSha256,ingestTimestamp,scoreTimestamp}. {@code bands}
 * joins the channel bands with {@code |}; absent values are empty; timestamps are ms since the Unix epoch. With
 * morphology on, one more column per field of {@code MorphologyStatistics}, in schema order, named
 * {@code morphology_<field>} ({@code morphology_band,morphology_pixelScaleArcsec,morphology_flag,morphology_concentration,
 * ...}); all empty for a record without morphology.
 */
public final class CsvScoreWriter implements ScoreWriter {
    private final CSVPrinter out;
    private final List<String> classNames;
    private final boolean morphology;

    /**
     * @param out        destination, closed by {@link #close()}
     * @param classNames the model's class names in output order: the {@code p_<class>} columns
     * @throws IOException when the header cannot be written
     */
    public CsvScoreWriter(OutputStream out, List<String> classNames) throws IOException {
        this(out, classNames, false);
    }

    /**
     * @param out        destination, closed by {@link #close()}
     * @param classNames the model's class names in output order: the {@code p_<class>} columns
     * @param morphology whether to add the {@code morphology_*} columns
     * @throws IOException when the header cannot be written
     */
    public CsvScoreWriter(OutputStream out, List<String> classNames, boolean morphology) throws IOException {
        this.morphology = morphology;
        this.out = Csv.printer(new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8)));
        this.classNames = List.copyOf(classNames);
        List<String> header = new ArrayList<>(List.of("sourceId", "objectId", "survey", "ra", "dec", "epochMjd", "pMerger",
                "applicable", "reason", "logit"));
        for (String c : this.classNames) {
            header.add("p_" + c);
        }
        header.addAll(List.of("bands", "incomplete", "modelName", "modelVersion", "modelSha256",
                "ingestTimestamp", "scoreTimestamp"));
        if (morphology) {
            for (Schema.Field f : MorphologyStatistics.getClassSchema().getFields()) {
                header.add("morphology_" + f.name());
            }
        }
        this.out.printRecord(header);
    }

    @Override
    public void write(MergerScore s) throws IOException {
        List<String> cells = new ArrayList<>(classNames.size() + 14);
        cells.add(s.getSourceId());
        cells.add(s.getObjectId());
        cells.add(s.getSurvey());
        cells.add(Double.toString(s.getRa()));
        cells.add(Double.toString(s.getDec()));
        cells.add(s.getEpochMjd() == null ? null : Double.toString(s.getEpochMjd()));
        cells.add(s.getPMerger() == null ? null : Float.toString(s.getPMerger()));
        cells.add(Boolean.toString(s.getApplicable()));
        cells.add(s.getReason());
        cells.add(s.getLogit() == null || !Double.isFinite(s.getLogit()) ? null : Double.toString(s.getLogit()));
        List<Classification> cls = s.getClassifications();
        if (cls.isEmpty() && !s.getApplicable()) {
            for (int k = 0; k < classNames.size(); k++) {
                cells.add(null);
            }
            cls = null;
        } else if (cls.size() != classNames.size()) {
            throw new IOException("score " + s.getSourceId() + " has " + cls.size() + " classes, the CSV header "
                    + classNames.size());
        }
        for (int k = 0; cls != null && k < cls.size(); k++) {
            if (!cls.get(k).getClassName().equals(classNames.get(k))) {
                throw new IOException("score " + s.getSourceId() + " class " + k + " is " + cls.get(k).getClassName()
                        + ", the CSV header says " + classNames.get(k));
            }
            cells.add(Float.toString(cls.get(k).getProbability()));
        }
        cells.add(String.join("|", s.getBands()));
        cells.add(Boolean.toString(s.getIncomplete()));
        cells.add(s.getModelName());
        cells.add(s.getModelVersion());
        cells.add(s.getModelSha256());
        cells.add(Long.toString(s.getIngestTimestamp().toEpochMilli()));
        cells.add(Long.toString(s.getScoreTimestamp().toEpochMilli()));
        if (morphology) {
            MorphologyStatistics m = s.getMorphology();
            for (Schema.Field f : MorphologyStatistics.getClassSchema().getFields()) {
                Object v = m == null ? null : m.get(f.pos());
                cells.add(v == null ? null : v.toString());
            }
        }
        out.printRecord(cells);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
