package org.deepmerge.core.morphology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * C, A, G and M20 do not depend on how the stamp is oriented: the eight rotations and flips of the pixel grid give the
 * same values (to rounding: sums run in another order), because every step commutes with them (segmentation, the
 * symmetric cutout, exact apertures, bilinear rotation, the compass search of the asymmetry centre). Tested on a noisy,
 * lopsided, elongated galaxy with a companion, on a square stamp and on a non-square one.
 */
class MorphologyInvarianceTest {
    static final double REL = 1e-6;

    static float[] galaxy(int w, int h) throws Exception {
        int size = Math.max(w, h);
        float[] square = Images.render(List.of(
                Images.sersic(0.4, -0.3, 1.5, 5, 0.6, 30, 0.3, 1000),
                Images.sersic(6, 4, 1, 2, 0.8, 0, 0, 250)), List.of(), size, 1.0, 0.01, 5);
        // crop the central w x h
        float[] out = new float[w * h];
        int x0 = (size - w) / 2;
        int y0 = (size - h) / 2;
        for (int y = 0; y < h; y++) {
            System.arraycopy(square, (y + y0) * size + x0, out, y * w, w);
        }
        return out;
    }

    @Test
    void squareStamp() throws Exception {
        check(galaxy(63, 63), 63, 63);
    }

    @Test
    void evenAndNonSquareStamp() throws Exception {
        check(galaxy(64, 50), 64, 50);
    }

    private static void check(float[] img, int w, int h) {
        MorphologyResult ref = Morphology.measure(img, w, h, 1.0);
        assertTrue(ref.flag().measured(), ref.toString());
        System.out.println("invariance reference " + w + "x" + h + ": " + ref);
        // rotations by 90, 180, 270 degrees: (x, y) -> (h-1-y, x), applied k times
        float[] r = img;
        int rw = w;
        int rh = h;
        double cx = ref.centreX();
        double cy = ref.centreY();
        for (int k = 1; k <= 3; k++) {
            r = Images.rotate90(r, rw, rh);
            double ncx = rh - 1 - cy;
            cy = cx;
            cx = ncx;
            int t = rw;
            rw = rh;
            rh = t;
            same(ref, Morphology.measure(r, rw, rh, 1.0), cx, cy, "rotation by " + 90 * k);
        }
        same(ref, Morphology.measure(Images.flipX(img, w, h), w, h, 1.0), w - 1 - ref.centreX(), ref.centreY(),
                "left-right flip");
        same(ref, Morphology.measure(Images.flipY(img, w, h), w, h, 1.0), ref.centreX(), h - 1 - ref.centreY(),
                "top-bottom flip");
        same(ref, Morphology.measure(Images.transpose(img, w, h), h, w, 1.0), ref.centreY(), ref.centreX(),
                "transpose");
    }

    private static void same(MorphologyResult ref, MorphologyResult m, double cx, double cy, String what) {
        String msg = what + ": " + m + " vs " + ref;
        assertEquals(ref.concentration(), m.concentration(), REL * Math.abs(ref.concentration()), msg);
        assertEquals(ref.gini(), m.gini(), REL * Math.abs(ref.gini()), msg);
        assertEquals(ref.m20(), m.m20(), REL * Math.abs(ref.m20()), msg);
        // A too: its sky term uses every sky pixel under the same rotation (statmorph's first-found sky box would
        // change with the orientation, and A with it by ~10% on this stamp)
        assertEquals(ref.asymmetry(), m.asymmetry(), REL * Math.abs(ref.asymmetry()), msg);
        assertEquals(ref.flag(), m.flag(), msg);
        assertEquals(ref.petrosianRadiusArcsec(), m.petrosianRadiusArcsec(), REL * ref.petrosianRadiusArcsec(), msg);
        assertEquals(ref.halfLightRadiusArcsec(), m.halfLightRadiusArcsec(), REL * ref.halfLightRadiusArcsec(), msg);
        assertEquals(ref.segmentPixels(), m.segmentPixels(), msg);
        assertEquals(cx, m.centreX(), 1e-9, msg);
        assertEquals(cy, m.centreY(), 1e-9, msg);
    }
}
