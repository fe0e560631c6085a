package org.deepmerge.core.alert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Test helper: copies a generic record into another schema by field name, recursively (e.g. a Fink-relayed Rubin
 * alert into the official lsst.v9_0 schema), filling defaults, nulls or zero values where the source lacks a field.
 */
final class AvroCopy {
    private AvroCopy() {
    }

    static GenericRecord copy(GenericRecord src, Schema target) {
        GenericRecord out = (GenericRecord) convert(src, target);
        if (!GenericData.get().validate(target, out)) {
            throw new IllegalStateException("copy does not validate against " + target.getFullName());
        }
        return out;
    }

    /** @return 0x00, 4-byte big-endian id, Avro binary of the record in its own schema */
    static byte[] confluent(int schemaId, GenericRecord rec) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(rec.getSchema()).write(rec, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static Object convert(Object v, Schema t) {
        switch (t.getType()) {
            case UNION:
                if (v == null) {
                    return null;
                }
                for (Schema b : t.getTypes()) {
                    if (b.getType() != Schema.Type.NULL && fits(v, b)) {
                        return convert(v, b);
                    }
                }
                throw new IllegalArgumentException(v.getClass() + " fits no branch of " + t);
            case RECORD: {
                GenericRecord src = (GenericRecord) v;
                GenericData.Record out = new GenericData.Record(t);
                for (Schema.Field f : t.getFields()) {
                    Object sv = src.getSchema().getField(f.name()) == null ? null : src.get(f.name());
                    if (sv != null) {
                        out.put(f.pos(), convert(sv, f.schema()));
                    } else if (nullable(f.schema())) {
                        out.put(f.pos(), null);
                    } else if (f.hasDefaultValue()) {
                        out.put(f.pos(), GenericData.get().getDefaultValue(f));
                    } else {
                        out.put(f.pos(), zero(f.schema()));
                    }
                }
                return out;
            }
            case ARRAY: {
                List<Object> out = new ArrayList<>();
                for (Object item : (List<?>) v) {
                    if (item != null || nullable(t.getElementType())) {
                        out.add(convert(item, t.getElementType()));
                    }
                }
                return new GenericData.Array<>(t, out);
            }
            case MAP: {
                Map<String, Object> out = new HashMap<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    out.put(e.getKey().toString(), convert(e.getValue(), t.getValueType()));
                }
                return out;
            }
            case STRING:
                return v.toString();
            case LONG:
                return ((Number) v).longValue();
            case INT:
                return ((Number) v).intValue();
            case FLOAT:
                return ((Number) v).floatValue();
            case DOUBLE:
                return ((Number) v).doubleValue();
            case BOOLEAN:
                return v;
            case BYTES:
                return ((ByteBuffer) v).duplicate();
            case ENUM:
                return new GenericData.EnumSymbol(t, v.toString());
            default:
                throw new IllegalArgumentException("unsupported " + t.getType());
        }
    }

    private static boolean fits(Object v, Schema b) {
        switch (b.getType()) {
            case RECORD:
                return v instanceof GenericRecord;
            case ARRAY:
                return v instanceof List;
            case MAP:
                return v instanceof Map;
            case STRING:
            case ENUM:
                return v instanceof CharSequence || v instanceof GenericData.EnumSymbol;
            case BYTES:
                return v instanceof ByteBuffer;
            case BOOLEAN:
                return v instanceof Boolean;
            case INT:
            case LONG:
            case FLOAT:
            case DOUBLE:
                return v instanceof Number;
            default:
                return false;
        }
    }

    private static boolean nullable(Schema s) {
        return s.getType() == Schema.Type.NULL
                || (s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.NULL));
    }

    private static Object zero(Schema s) {
        switch (s.getType()) {
            case STRING:
                return "";
            case LONG:
                return 0L;
            case INT:
                return 0;
            case FLOAT:
                return 0f;
            case DOUBLE:
                return 0d;
            case BOOLEAN:
                return false;
            case BYTES:
                return ByteBuffer.allocate(0);
            case ARRAY:
                return new GenericData.Array<>(s, List.of());
            case RECORD:
                return convert(new GenericData.Record(s), s);
            default:
                throw new IllegalArgumentException("no zero value for " + s);
        }
    }
}
