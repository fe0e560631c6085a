package org.deepmerge.core.alert;

import com.github.benmanes.caffeine.cache.Cache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Writer schemas by Confluent schema id from a local directory, for Rubin alerts without a registry.
 *
 * <p>Accepted layouts (all may be mixed in one directory):
 * <ul>
 *   <li>version directories {@code vMAJOR_MINOR/} as in lsst/alert_packet ({@code v9_0/lsst.v9_0.alert.avsc} plus
 *       the {@code .avsc} files of the records it references by name, e.g. {@code lsst.v9_0.diaSource}); id =
 *       MAJOR*100+MINOR (Rubin's registry convention, e.g. 900 for v9.0); the schema is the file ending in
 *       {@code .alert.avsc};</li>
 *   <li>the directory itself being such a {@code vMAJOR_MINOR} directory;</li>
 *   <li>files {@code <id>.avsc} (e.g. {@code 900.avsc}), self-contained or referencing named types defined in
 *       other {@code .avsc} files of the same directory.</li>
 * </ul>
 * A schema file is parsed together with the other {@code .avsc} files of its directory (except other
 * {@code <id>.avsc} files) by one Avro {@link SchemaParser}, so named types may be referenced across files in
 * any order. Schemas are parsed on first use and cached within {@link RegistrySchemaResolver#DEFAULT_MAX_CACHE_BYTES}
 * of estimated heap (an evicted schema is parsed again when next needed); thread-safe.
 */
public final class LocalSchemaDirectory implements SchemaResolver {
    private static final Pattern VERSION_DIR = Pattern.compile("v(\\d+)_(\\d+)");
    private static final Pattern ID_FILE = Pattern.compile("(\\d+)\\.avsc");

    private final Path root;
    private final SortedMap<Integer, Path> files;
    private final Cache<Integer, Schema> cache = SchemaWeights.cache(SchemaWeights.DEFAULT_MAX_BYTES,
            (Integer id, Schema s) -> SchemaWeights.weigh(s.toString().length()));

    /**
     * @param dir the schema directory (e.g. {@code shared/data/schemas/lsst}, or {@code .../lsst/v9_0})
     * @throws DeepMergeException IO_ERROR when it is not a readable directory; INVALID_CONFIG when it holds no schema
     */
    public LocalSchemaDirectory(Path dir) throws DeepMergeException {
        this.root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new DeepMergeException(Reason.IO_ERROR, "schema directory " + root + " does not exist or is not a directory");
        }
        SortedMap<Integer, Path> found = new TreeMap<>();
        try {
            addVersionDir(root, found);
            try (Stream<Path> children = Files.list(root)) {
                for (Path p : (Iterable<Path>) children.sorted()::iterator) {
                    String name = p.getFileName().toString();
                    Matcher id = ID_FILE.matcher(name);
                    if (Files.isDirectory(p)) {
                        addVersionDir(p, found);
                    } else if (id.matches()) {
                        found.put(Integer.parseInt(id.group(1)), p);
                    }
                }
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot list schema directory " + root + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema directory " + root
                    + " holds neither vMAJOR_MINOR/*.alert.avsc nor <id>.avsc files");
        }
        this.files = Collections.unmodifiableSortedMap(found);
    }

    private static void addVersionDir(Path dir, Map<Integer, Path> found) throws IOException {
        Matcher m = VERSION_DIR.matcher(dir.getFileName() == null ? "" : dir.getFileName().toString());
        if (!m.matches()) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> alerts = new ArrayList<>();
            s.filter(p -> p.getFileName().toString().endsWith(".alert.avsc")).forEach(alerts::add);
            if (alerts.size() == 1) {
                found.put(Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(m.group(2)), alerts.get(0));
            }
        }
    }

    /** @return every schema id this directory provides, ascending, with the file that defines it */
    public SortedMap<Integer, Path> ids() {
        return files;
    }

    /**
     * @param schemaId Confluent schema id (Rubin: MAJOR*100+MINOR)
     * @return the writer schema, with every named type resolved
     * @throws DeepMergeException UNKNOWN_SCHEMA when the directory has no such id or its files do not parse
     */
    @Override
    public Schema schemaById(int schemaId) throws DeepMergeException {
        Schema s = cache.getIfPresent(schemaId);
        if (s != null) {
            return s;
        }
        Path file = files.get(schemaId);
        if (file == null) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "schema id " + schemaId + " is not in schema directory "
                    + root + " (known ids: " + files.keySet() + ")");
        }
        s = parse(file);
        Schema raced = cache.asMap().putIfAbsent(schemaId, s);
        return raced == null ? s : raced;
    }

    private static Schema parse(Path main) throws DeepMergeException {
        SchemaParser parser = new SchemaParser();
        try {
            SchemaParser.ParseResult mainResult = null;
            try (Stream<Path> s = Files.list(main.getParent())) {
                List<Path> all = new ArrayList<>();
                s.filter(p -> p.equals(main) || (p.getFileName().toString().endsWith(".avsc")
                        && !ID_FILE.matcher(p.getFileName().toString()).matches())).sorted().forEach(all::add);
                for (Path p : all) {
                    SchemaParser.ParseResult r = parser.parse(p);
                    if (p.equals(main)) {
                        mainResult = r;
                    }
                }
            }
            if (mainResult == null) {
                throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "schema file " + main + " vanished");
            }
            return mainResult.mainSchema();
        } catch (IOException | SchemaParseException e) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "cannot parse schema " + main + " with the other .avsc files"
                    + " of its directory: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "LocalSchemaDirectory[" + root + ", ids " + files.keySet() + "]";
    }
}
