package org.deepmerge.app.offline;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.util.FitsOutputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.gate.Applicability;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.pipeline.PreparedImage;

/**
 * {@code deepmerge score --dump-inputs DIR}: writes each model input exactly as the model sees it (the float32
 * {@code [C,H,W]} tensor after channel mapping, resampling and normalisation) as a FITS file {@code <sourceId>.fits}
 * (characters other than letters, digits, {@code . _ -} replaced by {@code _}): one primary image HDU, BITPIX -32,
 * NAXIS1 = W, NAXIS2 = H, NAXIS3 = C, rows in the stamp's FITS storage order. Header keys: {@code SRCID},
 * {@code OBJID}, {@code SURVEY}, {@code BANDS} (band per channel, comma-separated), {@code CHANNELS} (model channel
 * names), {@code MODEL}, {@code MODELVER}, {@code NORM} (normalisation spec, e.g. {@code survey:0.1}),
 * {@code RESAMPLE}, {@code PIXSCALE} (model arcsec/px), {@code APPLIC} (T when the input went to the model),
 * {@code GATE} (the not-applicable reason name, or {@code APPLICABLE}) and the gate's detail in {@code COMMENT} cards.
 * Inputs the gate kept from the model are dumped too, so one can look at what was skipped.
 */
public final class InputDump {
    private final Path dir;

    /**
     * @param dir the directory, created when missing
     * @throws DeepMergeException IO_ERROR when it cannot be created
     */
    public InputDump(Path dir) throws DeepMergeException {
        try {
            this.dir = Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot create --dump-inputs " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param sourceId the input's source id
     * @return the file name of its dump, {@code <sourceId>.fits} made safe for file systems
     */
    public static String fileName(String sourceId) {
        return sourceId.replaceAll("[^A-Za-z0-9._-]", "_") + ".fits";
    }

    /**
     * @param p        the prepared input (image, alert ids, bands, gate verdict)
     * @param contract the model contract it was prepared for
     * @param model    the model's name and version
     * @return the file written
     * @throws DeepMergeException IO_ERROR when the file cannot be written
     */
    public Path write(PreparedImage p, ModelContract contract, ModelIdentity model) throws DeepMergeException {
        int c = contract.channelCount();
        int h = contract.height();
        int w = contract.width();
        float[][][] cube = new float[c][h][w];
        float[] img = p.image();
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(img, (k * h + y) * w, cube[k][y], 0, w);
            }
        }
        Alert a = p.alert();
        Applicability gate = p.applicability();
        Path file = dir.resolve(fileName(a.sourceId()));
        try (Fits fits = new Fits(); OutputStream os = Files.newOutputStream(file);
             FitsOutputStream out = new FitsOutputStream(os)) {
            BasicHDU<?> hdu = Fits.makeHDU(cube);
            Header hd = hdu.getHeader();
            hd.addValue("SRCID", a.sourceId(), "candid / diaSourceId / Cutout sourceId");
            if (a.objectId() != null) {
                hd.addValue("OBJID", a.objectId(), "objectId / diaObjectId");
            }
            hd.addValue("SURVEY", a.survey(), "survey of the alert");
            hd.addValue("BANDS", String.join(",", p.bands()), "band of the stamp in each channel");
            hd.addValue("CHANNELS", String.join(",", contract.channels()), "model channel names");
            hd.addValue("MODEL", model.name(), "model name");
            hd.addValue("MODELVER", model.version(), "model version");
            hd.addValue("NORM", contract.normalisation().spec(), "normalisation spec");
            hd.addValue("RESAMPLE", contract.resample().name().toLowerCase(java.util.Locale.ROOT), "resample mode");
            hd.addValue("PIXSCALE", contract.pixelScaleArcsec(), "[arcsec/px] model pixel scale");
            hd.addValue("APPLIC", gate.applicable(), "T: sent to the model; F: kept out by the gate");
            hd.addValue("GATE", gate.applicable() ? "APPLICABLE" : gate.reason().name(), "applicability gate verdict");
            for (String line : chunks(gate.detail(), 70)) {
                hd.insertComment(line);
            }
            fits.addHDU(hdu);
            fits.write(out);
            out.flush();
        } catch (FitsException | IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write input dump " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private static List<String> chunks(String s, int n) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < s.length(); i += n) {
            out.add(s.substring(i, Math.min(s.length(), i + n)));
        }
        return out;
    }
}
