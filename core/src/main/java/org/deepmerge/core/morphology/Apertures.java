package org.deepmerge.core.morphology;

/**
 * Exact aperture photometry on a pixel grid, as photutils' {@code method='exact'} that statmorph uses: pixel
 * {@code (x, y)} is the unit square {@code [x-0.5, x+0.5] x [y-0.5, y+0.5]} (pixel centres at integer coordinates,
 * row-major {@code y * width + x}) and its weight in an aperture is the exact area of the square that lies inside.
 *
 * <p>Geometry: an ellipse with semi-axes a, b at angle theta becomes the unit disk under
 * {@code u = ((x-cx) cos + (y-cy) sin) / a, v = (-(x-cx) sin + (y-cy) cos) / b}; the pixel becomes a parallelogram,
 * and the area of a convex polygon inside the unit disk is the sum over its edges of the signed area of
 * (disk &cap; triangle(origin, edge)): the parts of the edge inside the disk contribute a triangle, the parts outside a
 * circular sector. The area in the image is that area times {@code a b}. Pixels entirely inside (all four corners in
 * the ellipse, which is convex) or entirely outside (nearest point farther than a) skip the polygon computation.
 */
final class Apertures {
    private static final double HALF_DIAGONAL = Math.sqrt(0.5);

    private Apertures() {
    }

    /**
     * @param x  pixel column
     * @param y  pixel row
     * @param cx circle centre x
     * @param cy circle centre y
     * @param r  radius, &gt;= 0
     * @return the area of pixel (x, y) inside the circle, in [0, 1]
     */
    static double circleWeight(int x, int y, double cx, double cy, double r) {
        double ax = Math.abs(x - cx);
        double ay = Math.abs(y - cy);
        double r2 = r * r;
        double fx = ax + 0.5;
        double fy = ay + 0.5;
        if (fx * fx + fy * fy <= r2) {
            return 1.0;
        }
        double nx = Math.max(ax - 0.5, 0);
        double ny = Math.max(ay - 0.5, 0);
        if (nx * nx + ny * ny >= r2 || r <= 0) {
            return 0.0;
        }
        return ellipseWeight(x, y, cx, cy, r, r, 1.0, 0.0);
    }

    /**
     * @param x   pixel column
     * @param y   pixel row
     * @param cx  ellipse centre x
     * @param cy  ellipse centre y
     * @param a   semi-major axis, &gt; 0
     * @param b   semi-minor axis, (0, a]
     * @param cos cos(theta), theta the angle of the major axis from +x (counter-clockwise towards +y)
     * @param sin sin(theta)
     * @return the area of pixel (x, y) inside the ellipse, in [0, 1]
     */
    static double ellipseWeight(int x, int y, double cx, double cy, double a, double b, double cos, double sin) {
        double dx = x - cx;
        double dy = y - cy;
        double nx = Math.max(Math.abs(dx) - 0.5, 0);
        double ny = Math.max(Math.abs(dy) - 0.5, 0);
        if (nx * nx + ny * ny >= a * a) {
            return 0.0; // outside the circle about the major axis
        }
        double ia = 1 / a;
        double ib = 1 / b;
        if (b < a) {
            // every point of the pixel is within sqrt(1/2) px of its centre, i.e. within sqrt(1/2) / b in the
            // unit-disk frame: the pixel is outside when its centre is farther than 1 + that
            double uc = (dx * cos + dy * sin) * ia;
            double vc = (-dx * sin + dy * cos) * ib;
            double reach = 1 + HALF_DIAGONAL * ib;
            if (uc * uc + vc * vc >= reach * reach) {
                return 0.0;
            }
        }
        // corners counter-clockwise, in the unit-disk frame: (-,-), (+,-), (+,+), (-,+)
        double xl = dx - 0.5;
        double xr = dx + 0.5;
        double yb = dy - 0.5;
        double yt = dy + 0.5;
        double u0 = (xl * cos + yb * sin) * ia;
        double v0 = (-xl * sin + yb * cos) * ib;
        double u1 = (xr * cos + yb * sin) * ia;
        double v1 = (-xr * sin + yb * cos) * ib;
        double u2 = (xr * cos + yt * sin) * ia;
        double v2 = (-xr * sin + yt * cos) * ib;
        double u3 = (xl * cos + yt * sin) * ia;
        double v3 = (-xl * sin + yt * cos) * ib;
        if (u0 * u0 + v0 * v0 <= 1 && u1 * u1 + v1 * v1 <= 1 && u2 * u2 + v2 * v2 <= 1 && u3 * u3 + v3 * v3 <= 1) {
            return 1.0; // the ellipse is convex
        }
        double area = polygonInUnitDisk(u0, v0, u1, v1, u2, v2, u3, v3);
        return Math.min(1.0, Math.max(0.0, area * a * b));
    }

    /**
     * Area of (unit disk &cap; convex quadrilateral P0..P3, counter-clockwise). The pieces of the edges inside the disk
     * contribute triangles with the origin; each run of the boundary outside the disk, from the exit point B to the next
     * entry point A, contributes the sector between B and A. When the polygon does not hold the origin it subtends
     * less than pi, so each run's angle is one arctangent (usually one per pixel); otherwise (only pixels at the centre
     * of a small aperture) each edge is summed on its own.
     */
    static double polygonInUnitDisk(double x0, double y0, double x1, double y1, double x2, double y2, double x3,
                                    double y3) {
        double c01 = x0 * y1 - y0 * x1;
        double c12 = x1 * y2 - y1 * x2;
        double c23 = x2 * y3 - y2 * x3;
        double c30 = x3 * y0 - y3 * x0;
        if (c01 >= 0 && c12 >= 0 && c23 >= 0 && c30 >= 0) {
            // the origin is inside the polygon or on its boundary
            return Math.abs(triangleInUnitDisk(x0, y0, x1, y1) + triangleInUnitDisk(x1, y1, x2, y2)
                    + triangleInUnitDisk(x2, y2, x3, y3) + triangleInUnitDisk(x3, y3, x0, y0));
        }
        // walk the inside pieces (A, B) in boundary order; runs outside go from one piece's B to the next one's A
        int pieces = 0;
        double area = 0;
        double firstAx = 0;
        double firstAy = 0;
        double lastBx = 0;
        double lastBy = 0;
        for (int k = 0; k < 4; k++) {
            double px = k == 0 ? x0 : k == 1 ? x1 : k == 2 ? x2 : x3;
            double py = k == 0 ? y0 : k == 1 ? y1 : k == 2 ? y2 : y3;
            double qx = k == 0 ? x1 : k == 1 ? x2 : k == 2 ? x3 : x0;
            double qy = k == 0 ? y1 : k == 1 ? y2 : k == 2 ? y3 : y0;
            double dx = qx - px;
            double dy = qy - py;
            double qa = dx * dx + dy * dy;
            double qb = px * dx + py * dy;
            double disc = qb * qb - qa * (px * px + py * py - 1);
            if (qa == 0 || disc <= 0) {
                continue;
            }
            double sq = Math.sqrt(disc);
            double t1 = Math.min(1, Math.max(0, (-qb - sq) / qa));
            double t2 = Math.min(1, Math.max(0, (-qb + sq) / qa));
            if (t2 <= t1) {
                continue;
            }
            // exact endpoints at polygon corners, so that pieces meeting at a corner inside the disk join exactly
            double ax = t1 == 0 ? px : px + t1 * dx;
            double ay = t1 == 0 ? py : py + t1 * dy;
            double bx = t2 == 1 ? qx : px + t2 * dx;
            double by = t2 == 1 ? qy : py + t2 * dy;
            if (pieces == 0) {
                firstAx = ax;
                firstAy = ay;
            } else if (lastBx != ax || lastBy != ay) {
                area += outsideRun(lastBx, lastBy, ax, ay);
            }
            area += 0.5 * (ax * by - ay * bx);
            lastBx = bx;
            lastBy = by;
            pieces++;
        }
        if (pieces == 0) {
            return 0;
        }
        if (lastBx != firstAx || lastBy != firstAy) {
            area += outsideRun(lastBx, lastBy, firstAx, firstAy);
        }
        return area;
    }

    /**
     * Signed area of the unit-disk sector from B to A, both on the unit circle, turning by less than pi: with the chord
     * c = |A - B| the half-angle is asin(c / 2), by its Maclaurin series below 0.25 (13 terms, relative error below
     * 1e-17 there, several times faster than {@link Math#asin}) and by {@link Math#asin} above.
     */
    private static double outsideRun(double bx, double by, double ax, double ay) {
        double cross = bx * ay - by * ax;
        double dx = ax - bx;
        double dy = ay - by;
        double h = Math.min(1.0, 0.5 * Math.sqrt(dx * dx + dy * dy));
        double half;
        if (h < 0.25) {
            double h2 = h * h;
            double sum = ASIN_SERIES[ASIN_SERIES.length - 1];
            for (int k = ASIN_SERIES.length - 2; k >= 0; k--) {
                sum = sum * h2 + ASIN_SERIES[k];
            }
            half = h * sum;
        } else {
            half = Math.asin(h);
        }
        return cross >= 0 ? half : -half;
    }

    /** asin(h) = h sum_k c_k h^(2k), c_k = (2k)! / (4^k (k!)^2 (2k + 1)). */
    private static final double[] ASIN_SERIES = new double[13];

    static {
        double binomial = 1; // (2k)! / (4^k (k!)^2)
        for (int k = 0; k < ASIN_SERIES.length; k++) {
            ASIN_SERIES[k] = binomial / (2 * k + 1);
            binomial *= (2.0 * k + 1) / (2.0 * k + 2);
        }
    }

    /**
     * Signed area of (unit disk &cap; triangle(origin, P, Q)), positive when P to Q turns counter-clockwise about the
     * origin.
     */
    static double triangleInUnitDisk(double px, double py, double qx, double qy) {
        double dx = qx - px;
        double dy = qy - py;
        double qa = dx * dx + dy * dy;
        if (qa == 0) {
            return 0;
        }
        double qb = px * dx + py * dy;
        double qc = px * px + py * py - 1;
        double disc = qb * qb - qa * qc;
        if (disc <= 0) {
            return sector(px, py, qx, qy);
        }
        double s = Math.sqrt(disc);
        double t1 = Math.min(1, Math.max(0, (-qb - s) / qa));
        double t2 = Math.min(1, Math.max(0, (-qb + s) / qa));
        double ax = px + t1 * dx;
        double ay = py + t1 * dy;
        double bx = px + t2 * dx;
        double by = py + t2 * dy;
        return sector(px, py, ax, ay) + 0.5 * (ax * by - ay * bx) + sector(bx, by, qx, qy);
    }

    /** Signed area of the unit-disk sector between the directions of U and V (the segment UV lies outside). */
    private static double sector(double ux, double uy, double vx, double vy) {
        double cross = ux * vy - uy * vx;
        double dot = ux * vx + uy * vy;
        if (cross == 0 && dot >= 0) {
            return 0;
        }
        return 0.5 * Math.atan2(cross, dot);
    }

    /**
     * @param img    image, row-major {@code [height, width]}
     * @param width  W
     * @param height H
     * @param cx     centre x
     * @param cy     centre y
     * @param r      radius, px
     * @return the exact sum of the image in the circle (pixels outside the image count as zero)
     */
    static double circleSum(double[] img, int width, int height, double cx, double cy, double r) {
        if (!(r > 0)) {
            return 0;
        }
        int x0 = Math.max(0, (int) Math.floor(cx - r - 0.5));
        int x1 = Math.min(width - 1, (int) Math.ceil(cx + r + 0.5));
        int y0 = Math.max(0, (int) Math.floor(cy - r - 0.5));
        int y1 = Math.min(height - 1, (int) Math.ceil(cy + r + 0.5));
        double sum = 0;
        for (int y = y0; y <= y1; y++) {
            int row = y * width;
            for (int x = x0; x <= x1; x++) {
                double w = circleWeight(x, y, cx, cy, r);
                if (w > 0) {
                    sum += w * img[row + x];
                }
            }
        }
        return sum;
    }

    /**
     * @param img    image, row-major {@code [height, width]}
     * @param width  W
     * @param height H
     * @param cx     centre x
     * @param cy     centre y
     * @param a      semi-major axis, px, &gt; 0
     * @param b      semi-minor axis, px, (0, a]
     * @param theta  major-axis angle from +x, radians
     * @return the exact sum of the image in the ellipse (pixels outside the image count as zero)
     */
    static double ellipseSum(double[] img, int width, int height, double cx, double cy, double a, double b,
                             double theta) {
        if (!(a > 0) || !(b > 0)) {
            return 0;
        }
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        int x0 = Math.max(0, (int) Math.floor(cx - a - 0.5));
        int x1 = Math.min(width - 1, (int) Math.ceil(cx + a + 0.5));
        int y0 = Math.max(0, (int) Math.floor(cy - a - 0.5));
        int y1 = Math.min(height - 1, (int) Math.ceil(cy + a + 0.5));
        double sum = 0;
        for (int y = y0; y <= y1; y++) {
            int row = y * width;
            for (int x = x0; x <= x1; x++) {
                double w = ellipseWeight(x, y, cx, cy, a, b, cos, sin);
                if (w > 0) {
                    sum += w * img[row + x];
                }
            }
        }
        return sum;
    }
}
