package org.deepmerge.core.alert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.Decoder;

/**
 * Avro readers that skip the alert history and unused cutouts: one reader per writer schema and thread, reading
 * through a projection of the writer schema without those top-level fields ({@link #HISTORY_FIELDS} and the cutouts
 * a model does not use, as {@link AlertReader} chooses).
 *
 * <p>A ZTF alert carries up to 30 days of previous detections ({@code prv_candidates}), a Rubin alert its previous
 * DIA sources and forced photometry; the scorer needs the identifiers, the position and the cutouts only. Avro's
 * schema resolution (Avro specification, "Schema Resolution": a writer field absent from the reader schema is
 * skipped) lets the decoder step over those arrays instead of building a record per past detection. The
 * resolved reader (Avro's fast reader) is built once per writer schema and concurrent caller instead of once per
 * message.
 *
 * <p>Thread-safe; the readers kept are bounded by the estimated bytes of their writer schemas ({@link SchemaWeights},
 * 32 MiB by default), not by their number.
 */
final class ProjectedReaders {
    /** Top-level history fields not decoded: ZTF (schema 3.x, 4.x) and Rubin/LSST (v7-v9 alert schemas). */
    static final Set<String> HISTORY_FIELDS = Set.of("prv_candidates", "fp_hists", "prvDiaSources",
            "prvDiaForcedSources", "prvDiaNondetectionLimits");

    /**
     * The projection of one writer schema, its idle readers and its estimated weight. The readers use their own
     * {@link GenericData}: the default instance's fast-reader cache would keep every writer schema ever read.
     */
    private static final class Readers {
        final Schema writer;
        final Schema projected;
        final GenericData data = new GenericData();
        final int weight;
        final ConcurrentLinkedQueue<GenericDatumReader<GenericRecord>> idle = new ConcurrentLinkedQueue<>();

        Readers(Schema writer, Schema projected) {
            this.writer = writer;
            this.projected = projected;
            this.weight = SchemaWeights.weigh(writer.toString().length());
        }
    }

    /**
     * Keyed by identity (Caffeine compares weak keys by identity): the writer schemas are the cached instances of the
     * schema resolvers. The values refer to their keys, so entries leave by weight, not by garbage collection.
     */
    private final Cache<Schema, Readers> readers;
    private final Function<Schema, Set<String>> skipped;

    /** @param skipped the top-level fields to skip for a writer schema */
    ProjectedReaders(Function<Schema, Set<String>> skipped) {
        this(skipped, SchemaWeights.DEFAULT_MAX_BYTES);
    }

    /**
     * @param skipped  the top-level fields to skip for a writer schema
     * @param maxBytes bound of the readers kept, estimated bytes of their writer schemas
     */
    ProjectedReaders(Function<Schema, Set<String>> skipped, long maxBytes) {
        this.skipped = skipped;
        this.readers = Caffeine.newBuilder().weakKeys().maximumWeight(maxBytes)
                .weigher((Schema k, Readers v) -> v.weight).executor(Runnable::run).build();
    }

    /**
     * Reads one record with a reader from {@code writer} to its projection (one reader per concurrent caller, reused).
     *
     * @param writer  a writer schema (compared by identity: pass the cached instance of a schema resolver)
     * @param decoder the record's bytes
     * @return the record, without the skipped fields
     * @throws IOException as {@link GenericDatumReader#read}
     */
    GenericRecord read(Schema writer, Decoder decoder) throws IOException {
        Readers r = readers.get(writer, w -> new Readers(w, project(w, skipped.apply(w))));
        GenericDatumReader<GenericRecord> reader = r.idle.poll();
        if (reader == null) {
            reader = new GenericDatumReader<>(r.writer, r.projected, r.data);
        }
        try {
            return reader.read(null, decoder);
        } finally {
            r.idle.offer(reader);
        }
    }

    /** @return the summed estimated weight of the readers kept, bytes */
    long cachedWeight() {
        return SchemaWeights.weight(readers);
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
