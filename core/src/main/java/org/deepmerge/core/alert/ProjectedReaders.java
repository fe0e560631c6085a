package org.deepmerge.core.alert;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/**
 * Avro readers that skip the alert history and unused cutouts: one reader per writer schema and thread, reading
 * through a projection of the writer schema without those top-level fields ({@link #HISTORY_FIELDS} and the cutouts
 * a model does not use, as {@link AlertReader} chooses).
 *
 * <p>A ZTF alert carries up to 30 days of previous detections ({@code prv_candidates}), a Rubin alert its previous
 * DIA sources and forced photometry; the scorer needs the identifiers, the position and the cutouts only. Avro's
 * schema resolution (Avro specification, "Schema Resolution": a writer field absent from the reader schema is
 * skipped) lets the decoder step over those arrays instead of building a record per past detection. The
 * resolved reader (Avro's fast reader) is built once per writer schema and thread instead of once per message.
 *
 * <p>Thread-safe; at most {@value #MAX_SCHEMAS} writer schemas are kept (cleared when full).
 */
final class ProjectedReaders {
    /** Top-level history fields not decoded: ZTF (schema 3.x, 4.x) and Rubin/LSST (v7-v9 alert schemas). */
    static final Set<String> HISTORY_FIELDS = Set.of("prv_candidates", "fp_hists", "prvDiaSources",
            "prvDiaForcedSources", "prvDiaNondetectionLimits");
    static final int MAX_SCHEMAS = 64;

    private final Map<Schema, ThreadLocal<GenericDatumReader<GenericRecord>>> readers = new IdentityHashMap<>();
    private final Function<Schema, Set<String>> skipped;

    /** @param skipped the top-level fields to skip for a writer schema */
    ProjectedReaders(Function<Schema, Set<String>> skipped) {
        this.skipped = skipped;
    }

    /**
     * @param writer a writer schema (compared by identity: pass the cached instance of a schema resolver)
     * @return this thread's reader from {@code writer} to its projection
     */
    GenericDatumReader<GenericRecord> forWriter(Schema writer) {
        ThreadLocal<GenericDatumReader<GenericRecord>> local;
        synchronized (readers) {
            local = readers.get(writer);
            if (local == null) {
                if (readers.size() >= MAX_SCHEMAS) {
                    readers.clear();
                }
                Schema reader = project(writer, skipped.apply(writer));
                local = ThreadLocal.withInitial(() -> new GenericDatumReader<>(writer, reader));
                readers.put(writer, local);
            }
        }
        return local.get();
    }

    /**
     * @param writer  a record schema
     * @param skipped top-level field names to leave out
     * @return the same record without those fields, or {@code writer} when it has none of them
     */
    static Schema project(Schema writer, Set<String> skipped) {
        if (writer.getType() != Schema.Type.RECORD
                || writer.getFields().stream().noneMatch(f -> skipped.contains(f.name()))) {
            return writer;
        }
        List<Schema.Field> kept = new ArrayList<>();
        for (Schema.Field f : writer.getFields()) {
            if (!skipped.contains(f.name())) {
                kept.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema projected = Schema.createRecord(writer.getName(), writer.getDoc(), writer.getNamespace(), writer.isError(), kept);
        writer.getAliases().forEach(projected::addAlias);
        return projected;
    }
}
