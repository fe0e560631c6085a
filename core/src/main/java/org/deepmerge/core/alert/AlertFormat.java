package org.deepmerge.core.alert;

/** The wire formats an alert message may arrive in; detected from the bytes. */
public enum AlertFormat {
    /** ZTF: one Avro Object Container File per message, writer schema embedded (any schemavsn). */
    ZTF_AVRO_CONTAINER,
    /** Rubin/LSST alert in an Avro container file, e.g. relayed by the Fink broker. */
    RUBIN_AVRO_CONTAINER,
    /** Rubin/LSST alert in Confluent wire format: 0x00, 4-byte big-endian schema id, Avro binary. */
    RUBIN_CONFLUENT,
    /** The project's own {@code org.deepmerge.avro.v1.Cutout} record (container, single-object or Confluent framed). */
    DEEPMERGE_CUTOUT
}
