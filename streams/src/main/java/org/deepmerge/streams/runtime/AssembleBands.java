package org.deepmerge.streams.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.preprocess.ChannelMapping;

/**
 * The start-up check of the {@code assemble} channel policy: can the alerts of some survey ever complete the model's
 * channel bands? Alerts carry one band each, so an object is complete only when every model band is a band the
 * survey observes in. Known alert surveys: ZTF (g, r, i: {@code candidate.fid} 1..3) and Rubin, survey {@code LSST}
 * (u, g, r, i, z, y: {@code diaSource.band}). Cutout records may carry any band, but all of them in one record:
 * those are {@code single}'s use case, not {@code assemble}'s.
 */
public final class AssembleBands {
    /** Bands each known alert survey observes in, lower case. */
    static final Map<String, Set<String>> SURVEY_BANDS;

    static {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        m.put("ZTF", Set.of("g", "r", "i"));
        m.put("LSST", Set.of("u", "g", "r", "i", "z", "y"));
        SURVEY_BANDS = java.util.Collections.unmodifiableMap(m);
    }

    private AssembleBands() {
    }

    /**
     * @param channels the model's channel bands, in channel order
     * @return one warning per known alert survey whose alerts can never complete the model's bands (its objects are
     *         all scored incomplete at their timeout); empty when every known survey can complete them
     * @throws DeepMergeException INVALID_CONFIG, one line, when no known alert survey can complete them (a band no
     *                            survey observes in, such as F814W) or a channel is band-agnostic ({@value
     *                            ChannelMapping#ANY_BAND}: assemble would keep no stamp and score every alert alone)
     */
    public static List<String> check(List<String> channels) throws DeepMergeException {
        List<String> wanted = channels.stream().map(b -> b.toLowerCase(Locale.ROOT)).toList();
        if (wanted.contains(ChannelMapping.ANY_BAND)) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "channel policy assemble: the model's"
                    + " channels " + channels + " include the band-agnostic '" + ChannelMapping.ANY_BAND
                    + "', so there is nothing to assemble; use deepmerge.channel.policy=replicate");
        }
        List<String> warnings = new ArrayList<>();
        int able = 0;
        for (Map.Entry<String, Set<String>> s : SURVEY_BANDS.entrySet()) {
            List<String> missing = wanted.stream().filter(b -> !s.getValue().contains(b)).distinct().toList();
            if (missing.isEmpty()) {
                able++;
            } else {
                warnings.add("channel policy assemble: " + s.getKey() + " alerts carry no " + missing + " stamp, so no "
                        + s.getKey() + " object can complete the model's bands " + channels
                        + "; each is scored incomplete at deepmerge.assemble.timeout.ms");
            }
        }
        if (able == 0) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "channel policy assemble: no alert"
                    + " survey " + SURVEY_BANDS + " carries every model band " + channels
                    + ", so no object can ever complete; use replicate, or single for Cutout records carrying every band");
        }
        return warnings;
    }
}
