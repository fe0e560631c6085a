package org.deepmerge.core.preprocess;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.model.ModelContract;

/**
 * Chooses which of an alert's stamps feeds each model channel (see docs/channel-mapping.md).
 *
 * <p>For an alert of survey S the cutout kind is {@code kindBySurvey[S]}, else {@code defaultKind}. Each model
 * channel takes the present stamp of that kind whose band equals the channel's band name (case-insensitive): a
 * band match. When no stamp of that kind matches the channel's band and {@code replicate} is true, the first
 * present stamp of that kind fills the channel (a ZTF alert carries one band, so it fills every channel) and the
 * selection is flagged {@link Selection#incomplete()}; when replicate is false that is a MISSING_CUTOUT error.
 *
 * <p>A model channel named {@value #ANY_BAND} is band-agnostic: it takes the present stamp of that kind in the
 * survey's preferred order ({@code r}, then the first present; a ZTF or Rubin alert carries one band) and counts as a
 * band match.
 *
 * <p>Defaults ({@link #defaults()}): ZTF {@code template}, LSST {@code template} (the reference image shows the
 * host galaxy's morphology without the transient), everything else, e.g. the project's own Cutout records,
 * {@code science} matched by band; replicate on.
 *
 * @param kindBySurvey cutout kind ({@code science}, {@code template}, {@code difference}) per upper-case survey name
 * @param defaultKind  cutout kind for surveys not in the map
 * @param replicate    fill channels without a band match with the first present stamp of the chosen kind
 */
public record ChannelMapping(Map<String, String> kindBySurvey, String defaultKind, boolean replicate) {

    /** Channel name of a band-agnostic model channel (e.g. the single channel of the default model). */
    public static final String ANY_BAND = "any";

    /** The cutout kinds an alert can carry. */
    public static final List<String> KINDS = List.of("science", "template", "difference");

    /**
     * One model channel's source.
     *
     * @param channel   the model channel's band name
     * @param stamp     the stamp that feeds it (present)
     * @param bandMatch true when the stamp's band equals the channel's band; false when replicated
     */
    public record Source(String channel, CutoutStamp stamp, boolean bandMatch) {
    }

    /**
     * The stamps for every model channel, in channel order.
     *
     * @param sources one per model channel
     */
    public record Selection(List<Source> sources) {
        public Selection {
            sources = List.copyOf(sources);
        }

        /** @return true when at least one channel's band did not match (a stamp was replicated) */
        public boolean incomplete() {
            return sources.stream().anyMatch(s -> !s.bandMatch());
        }

        /** @return the stamps, in channel order */
        public List<CutoutStamp> stamps() {
            return sources.stream().map(Source::stamp).toList();
        }
    }

    /**
     * @throws IllegalArgumentException when a kind is not science, template or difference
     */
    public ChannelMapping {
        Map<String, String> m = new TreeMap<>();
        kindBySurvey.forEach((k, v) -> m.put(survey(k), checkKind(v)));
        kindBySurvey = Collections.unmodifiableMap(m);
        defaultKind = checkKind(defaultKind);
    }

    /** @return ZTF and LSST {@code template}, others {@code science}, replicate on */
    public static ChannelMapping defaults() {
        return new ChannelMapping(Map.of("ZTF", "template", "LSST", "template"), "science", true);
    }

    /**
     * Parses a spec of comma-separated {@code KEY=VALUE} entries on top of {@link #defaults()}:
     * {@code kind=K} uses kind K for every survey, {@code SURVEY=K} for one survey (e.g. {@code ZTF=template,LSST=science};
     * {@code RUBIN} is read as {@code LSST}; survey entries win over {@code kind=} whatever their order),
     * {@code replicate=true|false}. An empty spec gives the defaults.
     *
     * @param spec the text, e.g. {@code "ZTF=template,LSST=science"} or {@code "kind=science"}
     * @return the mapping
     * @throws DeepMergeException INVALID_CONFIG naming the bad entry
     */
    public static ChannelMapping parse(String spec) throws DeepMergeException {
        ChannelMapping d = defaults();
        Map<String, String> bySurvey = new TreeMap<>(d.kindBySurvey());
        Map<String, String> explicit = new TreeMap<>();
        String defaultKind = d.defaultKind();
        boolean replicate = d.replicate();
        for (String entry : spec.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "channel mapping entry '" + entry.trim()
                        + "' is not KEY=VALUE (e.g. ZTF=template, kind=science, replicate=false)");
            }
            String key = entry.substring(0, eq).trim();
            String value = entry.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            if (key.equalsIgnoreCase("replicate")) {
                if (!value.equals("true") && !value.equals("false")) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "channel mapping replicate='" + value
                            + "' is not true or false");
                }
                replicate = Boolean.parseBoolean(value);
                continue;
            }
            if (!KINDS.contains(value)) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "channel mapping entry '" + entry.trim()
                        + "': cutout kind '" + value + "' is not one of " + KINDS);
            }
            if (key.equalsIgnoreCase("kind")) {
                defaultKind = value;
                bySurvey.clear();
            } else {
                explicit.put(survey(key), value);
            }
        }
        bySurvey.putAll(explicit);
        return new ChannelMapping(bySurvey, defaultKind, replicate);
    }

    /**
     * @param survey survey name as in {@link Alert#survey()}
     * @return the one cutout kind this mapping reads for that survey, as a set (for
     *         {@link org.deepmerge.core.alert.AlertReader#AlertReader(org.deepmerge.core.alert.SchemaResolver,
     *         java.util.function.Function)}, which then skips the other cutouts)
     */
    public Set<String> kindsFor(String survey) {
        return Set.of(kindFor(survey));
    }

    /**
     * @param survey survey name as in {@link Alert#survey()}
     * @return the cutout kind used for it
     */
    public String kindFor(String survey) {
        return kindBySurvey.getOrDefault(survey(survey == null ? "" : survey), defaultKind);
    }

    /**
     * @param alert    the alert
     * @param contract the model contract (channel bands)
     * @return one present stamp per model channel, in channel order, with band-match flags
     * @throws DeepMergeException MISSING_CUTOUT when the chosen cutout is absent or null (e.g. "cutoutTemplate is
     *                            null"), or when replicate is off and a channel's band has no stamp
     */
    public Selection select(Alert alert, ModelContract contract) throws DeepMergeException {
        String kind = kindFor(alert.survey());
        List<CutoutStamp> present = new ArrayList<>();
        boolean anyOfKind = false;
        for (CutoutStamp s : alert.stamps()) {
            if (s.kind().equals(kind)) {
                anyOfKind = true;
                if (s.present()) {
                    present.add(s);
                }
            }
        }
        String field = "cutout" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
        if (present.isEmpty()) {
            throw new DeepMergeException(Reason.MISSING_CUTOUT, field + (anyOfKind ? " is null" : " is absent")
                    + " (survey " + alert.survey() + ", source " + alert.sourceId() + ", channel mapping uses " + kind + ")");
        }
        List<Source> sources = new ArrayList<>(contract.channelCount());
        for (String band : contract.channels()) {
            if (band.equalsIgnoreCase(ANY_BAND)) {
                CutoutStamp pick = present.get(0);
                for (CutoutStamp s : present) {
                    if (s.band().equalsIgnoreCase("r")) {
                        pick = s;
                        break;
                    }
                }
                sources.add(new Source(band, pick, true));
                continue;
            }
            CutoutStamp match = null;
            for (CutoutStamp s : present) {
                if (s.band().equalsIgnoreCase(band)) {
                    match = s;
                    break;
                }
            }
            if (match != null) {
                sources.add(new Source(band, match, true));
            } else if (replicate) {
                sources.add(new Source(band, present.get(0), false));
            } else {
                List<String> bands = present.stream().map(CutoutStamp::band).toList();
                throw new DeepMergeException(Reason.MISSING_CUTOUT, field + " has no band " + band + " for model channel "
                        + band + " (alert bands " + bands + ", source " + alert.sourceId() + "; replicate=false)");
            }
        }
        return new Selection(sources);
    }

    private static String survey(String s) {
        String u = s.trim().toUpperCase(Locale.ROOT);
        return u.equals("RUBIN") ? "LSST" : u;
    }

    private static String checkKind(String kind) {
        String k = kind.trim().toLowerCase(Locale.ROOT);
        if (!KINDS.contains(k)) {
            throw new IllegalArgumentException("cutout kind '" + kind + "' is not one of " + KINDS);
        }
        return k;
    }
}
