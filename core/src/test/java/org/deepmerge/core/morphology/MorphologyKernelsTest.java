package org.deepmerge.core.morphology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The kernels of {@link Morphology} against values worked out by hand, and the exact aperture geometry against
 * areas known in closed form.
 */
class MorphologyKernelsTest {

    /**
     * A 5x5 image (x to the right, y down the rows), zero outside the central 3x3 block:
     *
     * <pre>
     *   0 0 0 0 0
     *   0 2 2 2 0
     *   0 2 3 3 0
     *   0 2 2 2 0
     *   0 0 0 0 0
     * </pre>
     */
    static final double[] IMAGE = {
        0, 0, 0, 0, 0,
        0, 2, 2, 2, 0,
        0, 2, 3, 3, 0,
        0, 2, 2, 2, 0,
        0, 0, 0, 0, 0};

    static boolean[] block() {
        boolean[] region = new boolean[25];
        for (int y = 1; y <= 3; y++) {
            for (int x = 1; x <= 3; x++) {
                region[y * 5 + x] = true;
            }
        }
        return region;
    }

    @Test
    void giniByHand() {
        // block values sorted: 2,2,2,2,2,2,2,3,3; n = 9, sum = 20; weights (2i - n - 1) = -8,-6,...,6,8
        // sum_i (2i - 10) X_i = 2 (-8 - 6 - 4 - 2 + 0 + 2 + 4) + 3 (6 + 8) = -28 + 42 = 14
        // G = 14 / ((n - 1) * 20) = 14 / 160 = 0.0875
        double[] v = {2, 2, 2, 2, 3, 3, 2, 2, 2};
        assertEquals(0.0875, Morphology.gini(v, 9), 1e-15);
        // one bright pixel among zeros: weights -3,-1,1,3 -> 3 * 1 / (3 * 1) = 1, the most unequal
        assertEquals(1.0, Morphology.gini(new double[] {0, 1, 0, 0}, 4), 1e-15);
        // all equal: the weights sum to zero
        assertEquals(0.0, Morphology.gini(new double[] {5, 5, 5, 5, 5}, 5), 1e-15);
        // absolute values are used: {-1, 0, 0, 0} is as unequal as {1, 0, 0, 0}
        assertEquals(1.0, Morphology.gini(new double[] {0, 0, -1, 0}, 4), 1e-15);
        assertTrue(Double.isNaN(Morphology.gini(new double[] {7}, 1)), "one pixel has no Gini");
        assertTrue(Double.isNaN(Morphology.gini(new double[] {0, 0}, 2)), "a zero sum has no Gini");
    }

    @Test
    void m20ByHand() {
        // flux 20; first moments: sum v x = 12 + 17 + 12 = 41 -> xc = 2.05; sum v y = 6 + 16 + 18 = 40 -> yc = 2
        // sum v x^2 = 28 + 41 + 28 = 97 -> sum v (x - xc)^2 = 97 - 20 * 2.05^2 = 12.95
        // sum v y^2 = 6 + 32 + 54 = 92 -> sum v (y - yc)^2 = 92 - 20 * 4 = 12;  M_tot = 24.95
        // brightest first: 3 (15%), 3 (30% >= 20%): the two 3s at (2,2) and (3,2)
        // M_20 = 3 (2 - 2.05)^2 + 3 (3 - 2.05)^2 = 0.0075 + 2.7075 = 2.715
        // M20 = log10(2.715 / 24.95) = -0.963301...
        assertEquals(Math.log10(2.715 / 24.95), Morphology.m20(IMAGE, block(), 5, 5), 1e-12);
        assertEquals(-0.9633, Morphology.m20(IMAGE, block(), 5, 5), 5e-5);
    }

    @Test
    void asymmetryByHand() {
        double[] weightsAll = null;
        // about the central pixel (2, 2) the rotation is exact, I_180(x, y) = I(4 - x, 4 - y); a radius of 10 px holds
        // all 25 pixels entirely. Only the 3 at (3,2) and the 2 at (1,2) differ from their partners: 1 + 1 = 2.
        // sum |I| = 20 -> A = 2 / 20 = 0.1
        double[] s = Morphology.asymmetrySums(IMAGE, weightsAll, 5, 5, 2, 2, 10);
        assertArrayEquals(new double[] {2, 20, 25}, s, 1e-12);
        // about (2.5, 2) the partner of x is 5 - x (still a pixel centre): row 2 pairs (1,2)=2 with (4,2)=0 and back,
        // 2 + 2; rows 1 and 3 each pair (1,y)=2 with (4,4-y)=0 and back, 2 + 2; column 0 pairs with x = 5, outside the
        // image (zero), and is zero itself. Total 12; A = 12 / 20 = 0.6
        s = Morphology.asymmetrySums(IMAGE, weightsAll, 5, 5, 2.5, 2, 10);
        assertArrayEquals(new double[] {12, 20, 25}, s, 1e-12);
        // masking (3,2) also masks its partner (1,2) (statmorph's symmetric mask): no difference left,
        // sum |I| = 20 - 3 - 2 = 15 over 23 pixels
        double[] mask = new double[25];
        mask[2 * 5 + 3] = 1;
        double[] img = IMAGE.clone();
        img[2 * 5 + 3] = 0; // masked pixels are zero in the image
        s = Morphology.asymmetrySums(img, mask, 5, 5, 2, 2, 10);
        assertArrayEquals(new double[] {0, 15, 23}, s, 1e-12);
    }

    @Test
    void bilinearInterpolationBetweenPixelCentres() {
        // half-way between (2,2)=3 and (3,2)=3 -> 3; between (1,2)=2 and (2,2)=3 -> 2.5;
        // at the middle of (1,1),(2,1),(1,2),(2,2) = 2,2,2,3 -> 2.25; beyond the edge the outside counts as zero
        assertEquals(3, Morphology.bilinear(IMAGE, 5, 5, 2.5, 2), 1e-15);
        assertEquals(2.5, Morphology.bilinear(IMAGE, 5, 5, 1.5, 2), 1e-15);
        assertEquals(2.25, Morphology.bilinear(IMAGE, 5, 5, 1.5, 1.5), 1e-15);
        assertEquals(0, Morphology.bilinear(IMAGE, 5, 5, 4.5, 2), 1e-15);
        assertEquals(2.2, Morphology.bilinear(IMAGE, 5, 5, 2, 2.8), 1e-12); // 0.2 * 3 + 0.8 * 2
    }

    @Test
    void exactPixelOverlapsOfKnownShapes() {
        // a unit circle centred on the corner (0.5, 0.5) of pixel (1,1) covers a quarter of the disk inside it
        assertEquals(Math.PI / 4, Apertures.circleWeight(1, 1, 0.5, 0.5, 1.0), 1e-15);
        // a circle of radius 0.5 centred on the edge between pixels (0,0) and (1,0): half in each
        assertEquals(Math.PI / 8, Apertures.circleWeight(0, 0, 0.5, 0, 0.5), 1e-15);
        assertEquals(Math.PI / 8, Apertures.circleWeight(1, 0, 0.5, 0, 0.5), 1e-15);
        // a small circle inside one pixel
        assertEquals(Math.PI * 0.09, Apertures.circleWeight(3, 4, 3.1, 3.95, 0.3), 1e-15);
        // a circle of radius sqrt(2)/2 through the corners of its pixel: the whole pixel
        assertEquals(1.0, Apertures.circleWeight(2, 2, 2, 2, Math.sqrt(0.5) + 1e-12), 1e-12);
        assertEquals(0.0, Apertures.circleWeight(5, 2, 2, 2, 2.49), 0);
        // the strip of a large circle through the middle of a pixel column: the circle x^2 + y^2 = r^2 about (0, 0)
        // cuts pixel (r, 0) ([r - 0.5, r + 0.5] x [-0.5, 0.5]); its area is the segment integral
        // int_{-1/2}^{1/2} (sqrt(r^2 - y^2) - (r - 1/2)) dy
        double r = 20;
        double expected = 0.5 * (0.5 * Math.sqrt(r * r - 0.25) + r * r * Math.asin(0.5 / r)) * 2 - (r - 0.5);
        assertEquals(expected, Apertures.circleWeight(20, 0, 0, 0, r), 1e-13);
    }

    @Test
    void apertureSumsOfAFlatImageAreTheGeometricAreas() {
        int w = 64;
        double[] ones = new double[w * w];
        java.util.Arrays.fill(ones, 1.0);
        Random rng = new Random(3);
        for (int k = 0; k < 200; k++) {
            double cx = 20 + 20 * rng.nextDouble();
            double cy = 20 + 20 * rng.nextDouble();
            double r = 0.05 + 19 * rng.nextDouble();
            assertEquals(Math.PI * r * r, Apertures.circleSum(ones, w, w, cx, cy, r), 1e-9 * r * r,
                    "circle r=" + r + " at " + cx + "," + cy);
            double a = 0.3 + 18 * rng.nextDouble();
            double b = a * (0.1 + 0.9 * rng.nextDouble());
            double theta = Math.PI * rng.nextDouble();
            assertEquals(Math.PI * a * b, Apertures.ellipseSum(ones, w, w, cx, cy, a, b, theta), 1e-9 * a * a,
                    "ellipse a=" + a + " b=" + b + " theta=" + theta);
        }
        // centres on pixel corners and edges (the origin on a pixel's edge line takes the per-edge path)
        for (double c : new double[] {31.5, 32, 31.25}) {
            for (double r : new double[] {0.25, 0.5, 0.7071, 1, 1.5, 7.5}) {
                assertEquals(Math.PI * r * r, Apertures.circleSum(ones, w, w, c, 32.5, r), 1e-12 * (1 + r * r));
            }
        }
    }

    @Test
    void ellipseOfEqualAxesIsTheCircleAndTurnsWithItsAngle() {
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 12; x++) {
                double circle = Apertures.circleWeight(x, y, 5.3, 6.1, 3.7);
                assertEquals(circle, Apertures.ellipseWeight(x, y, 5.3, 6.1, 3.7, 3.7, Math.cos(0.4), Math.sin(0.4)),
                        1e-13);
                // a 2:1 ellipse along +x about (6, 6) is the one along +y seen with x and y swapped
                double alongX = Apertures.ellipseWeight(x, y, 6, 6, 4, 2, 1, 0);
                double alongY = Apertures.ellipseWeight(y, x, 6, 6, 4, 2, 0, 1);
                assertEquals(alongX, alongY, 1e-13);
            }
        }
    }

    @Test
    void illinoisRootsAndReflectedGaussianSmoothing() {
        assertEquals(Math.sqrt(2), Morphology.root(x -> x * x - 2, 1, -1, 2, 2), 1e-6);
        // a constant image stays constant under reflect-mode smoothing (the kernel sums to 1 at the edges too)
        double[] flat = new double[7 * 5];
        java.util.Arrays.fill(flat, 3.0);
        for (double v : Morphology.gaussianFilter(flat, 7, 5, 1.7)) {
            assertEquals(3.0, v, 1e-12);
        }
        // a delta spreads into the normalised sampled Gaussian (radius int(4 sigma + 0.5) = 4 for sigma = 1)
        double[] delta = new double[21 * 21];
        delta[10 * 21 + 10] = 1;
        double[] g = Morphology.gaussianFilter(delta, 21, 21, 1.0);
        double norm = 0;
        for (int i = -4; i <= 4; i++) {
            norm += Math.exp(-0.5 * i * i);
        }
        assertEquals(1 / (norm * norm), g[10 * 21 + 10], 1e-15);
        assertEquals(Math.exp(-0.5) * Math.exp(-2) / (norm * norm), g[12 * 21 + 11], 1e-15);
        assertEquals(0, g[15 * 21 + 10], 0); // beyond the 4-sigma truncation
    }
}
