package org.deepmerge.training.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.train.EpochStats;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG figures of an evaluation: ROC curve, confusion matrix, training curves (XChart) and a cutout grid (Java2D). */
public final class Figures {
    private Figures() {
    }

    /**
     * ROC curve(s) with their AUC in the legend, and the chance diagonal.
     *
     * @param file   PNG to write
     * @param curves series name to {fpr, tpr} ({@link Metrics#rocCurve})
     * @throws IOException when writing fails
     */
    public static void roc(Path file, java.util.Map<String, double[][]> curves) throws IOException {
        XYChart chart = new XYChartBuilder().width(560).height(520).title("ROC curve").xAxisTitle("false positive rate")
                .yAxisTitle("true positive rate").build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        for (var e : curves.entrySet()) {
            chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]).setMarker(SeriesMarkers.NONE);
        }
        chart.addSeries("chance", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * @param file PNG to write
     * @param c    confusion counts
     * @throws IOException when writing fails
     */
    public static void confusion(Path file, Metrics.Confusion c) throws IOException {
        HeatMapChart chart = new HeatMapChartBuilder().width(520).height(460).title("Confusion matrix (rows: true, columns: predicted)").build();
        chart.getStyler().setShowValue(true).setLegendVisible(false);
        List<String> x = List.of("non-merger", "merger");
        List<String> y = List.of("merger", "non-merger");
        List<Number[]> heat = new ArrayList<>();
        heat.add(new Number[] {0, 0, c.fn()});
        heat.add(new Number[] {1, 0, c.tp()});
        heat.add(new Number[] {0, 1, c.tn()});
        heat.add(new Number[] {1, 1, c.fp()});
        chart.addSeries("confusion", x, y, heat);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Reliability diagram (DeGroot and Fienberg 1983; Guo et al. 2017): per non-empty bin, the observed merger
     * fraction against the mean predicted merger probability, labelled with the bin's image count, and the diagonal
     * of perfect calibration; beside it the image count per bin.
     *
     * @param file PNG to write
     * @param bins {@link Metrics#reliability} bins
     * @param ece  the expected calibration error, for the title
     * @throws IOException when writing fails
     */
    public static void reliability(Path file, List<Metrics.CalibrationBin> bins, double ece) throws IOException {
        XYChart chart = new XYChartBuilder().width(560).height(520)
                .title(String.format(Locale.ROOT, "Reliability (%d bins, ECE %.3f)", bins.size(), ece))
                .xAxisTitle("mean predicted merger probability").yAxisTitle("observed merger fraction").build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.05).setLegendVisible(true);
        chart.addSeries("perfect calibration", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE)
                .setLineColor(Color.GRAY);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Metrics.CalibrationBin b : bins) {
            if (b.count() > 0) {
                xs.add(b.meanPredicted());
                ys.add(b.observedFraction());
                chart.addAnnotation(new org.knowm.xchart.AnnotationText("n=" + b.count(), b.meanPredicted(),
                        Math.min(1.02, b.observedFraction() + 0.03), false));
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries("model", xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
        org.knowm.xchart.CategoryChart counts = new org.knowm.xchart.CategoryChartBuilder().width(560).height(520)
                .title("Images per bin").xAxisTitle("merger probability bin (upper edge)").yAxisTitle("images").build();
        counts.getStyler().setLegendVisible(false);
        counts.getStyler().setXAxisLabelRotation(90);
        counts.addSeries("images", bins.stream().map(b -> String.format(Locale.ROOT, "%.2f", b.upper())).toList(),
                bins.stream().map(b -> (Number) b.count()).toList());
        BitmapEncoder.saveBitmap(List.of(chart, counts), 1, 2, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * The Gini-M20 plane (Lotz et al. 2004) of labelled images, coloured by label, with the lines where the Gini-M20
     * merger statistic S = 0.139 M20 + 0.990 G - 0.327 and bulge statistic F = -0.693 M20 + 4.95 G - 3.96 vanish
     * (Snyder et al. 2015; Rodriguez-Gomez et al. 2019): mergers are expected above the S = 0 line, bulges above F = 0.
     * The M20 axis runs from 0 on the left to negative values on the right, as in Lotz et al.'s figures.
     *
     * @param file   PNG to write
     * @param gini   G per image, non-finite for an image without a measurement (left out)
     * @param m20    M20 per image, dex, non-finite when not measured (left out)
     * @param labels 1 merger, 0 non-merger
     * @param title  chart title
     * @throws IOException when writing fails
     */
    public static void giniM20(Path file, double[] gini, double[] m20, int[] labels, String title) throws IOException {
        XYChart chart = new XYChartBuilder().width(620).height(520).title(title).xAxisTitle("-M20")
                .yAxisTitle("Gini").build();
        chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setXAxisMin(0.5).setXAxisMax(3.0).setYAxisMin(0.2).setYAxisMax(0.8);
        for (int cls = 0; cls <= 1; cls++) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < gini.length; i++) {
                if (labels[i] == cls && Double.isFinite(gini[i]) && Double.isFinite(m20[i])) {
                    xs.add(-m20[i]);
                    ys.add(gini[i]);
                }
            }
            String name = (cls == 1 ? "merger" : "non-merger") + " (" + xs.size() + ")";
            if (!xs.isEmpty()) {
                chart.addSeries(name, xs, ys).setMarker(cls == 1 ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE)
                        .setMarkerColor(cls == 1 ? new Color(200, 30, 30) : new Color(90, 120, 200, 150));
            }
        }
        double[] x = {0.5, 3.0};
        chart.addSeries("S(G,M20) = 0", x, new double[] {(0.327 + 0.139 * x[0]) / 0.990, (0.327 + 0.139 * x[1]) / 0.990})
                .setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE)
                .setLineColor(Color.BLACK);
        chart.addSeries("F(G,M20) = 0", x, new double[] {(3.96 - 0.693 * x[0]) / 4.95, (3.96 - 0.693 * x[1]) / 4.95})
                .setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE)
                .setLineColor(Color.GRAY);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Loss and accuracy per epoch, training and validation.
     *
     * @param file    PNG to write
     * @param history epochs
     * @throws IOException when writing fails
     */
    public static void trainingCurves(Path file, List<EpochStats> history) throws IOException {
        double[] ep = history.stream().mapToDouble(EpochStats::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(560).height(400).title("Loss").xAxisTitle("epoch").yAxisTitle("binary cross-entropy").build();
        loss.addSeries("train", ep, history.stream().mapToDouble(EpochStats::trainLoss).toArray());
        loss.addSeries("validation", ep, history.stream().mapToDouble(EpochStats::valLoss).toArray());
        XYChart acc = new XYChartBuilder().width(560).height(400).title("Accuracy").xAxisTitle("epoch").yAxisTitle("accuracy").build();
        acc.addSeries("train", ep, history.stream().mapToDouble(EpochStats::trainAccuracy).toArray());
        acc.addSeries("validation", ep, history.stream().mapToDouble(EpochStats::valAccuracy).toArray());
        BitmapEncoder.saveBitmap(List.of(loss, acc), 1, 2, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * A grid like the DeepMerge figures: one row each for true positives, false positives, true negatives and false
     * negatives, the most confident examples first, captioned with the merger probability. Three-channel images
     * (g, r, i) are shown as colour (i red, r green, g blue), others by their first channel; asinh stretch per cutout.
     *
     * @param file    PNG to write
     * @param data    the images
     * @param indices image index of each prediction
     * @param p       merger probabilities
     * @param perRow  examples per category
     * @throws IOException when writing fails
     */
    public static void exampleGrid(Path file, ImageDataset data, int[] indices, float[] p, int perRow) throws IOException {
        int cell = 96;
        int labelW = 40;
        String[] names = {"TP", "FP", "TN", "FN"};
        BufferedImage out = new BufferedImage(labelW + perRow * cell, 4 * (cell + 14), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int row = 0; row < 4; row++) {
            List<Integer> members = new ArrayList<>();
            for (int k = 0; k < indices.length; k++) {
                boolean called = p[k] >= 0.5;
                int y = data.label(indices[k]);
                int cat = y == 1 ? (called ? 0 : 3) : (called ? 1 : 2);
                if (cat == row) {
                    members.add(k);
                }
            }
            members.sort(Comparator.comparingDouble(k -> -Math.abs(p[k] - 0.5)));
            int top = row * (cell + 14);
            g.setColor(Color.BLACK);
            g.drawString(names[row], 6, top + cell / 2);
            for (int m = 0; m < Math.min(perRow, members.size()); m++) {
                int k = members.get(m);
                g.drawImage(render(data, indices[k], cell), labelW + m * cell, top, null);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "p=%.2f", p[k]), labelW + m * cell + 4, top + cell + 11);
            }
        }
        g.dispose();
        ImageIO.write(out, "png", file.toFile());
    }

    private static BufferedImage render(ImageDataset data, int i, int cell) {
        int h = data.height();
        int w = data.width();
        int plane = h * w;
        float[] px = data.pixels();
        int base = (int) data.offset(i);
        boolean colour = data.channels() == 3;
        float[][] ch = new float[colour ? 3 : 1][];
        for (int c = 0; c < ch.length; c++) {
            ch[c] = new float[plane];
            System.arraycopy(px, base + (colour ? 2 - c : 0) * plane, ch[c], 0, plane);
        }
        double max = 1e-12;
        for (float[] a : ch) {
            for (float v : a) {
                max = Math.max(max, v);
            }
        }
        double soft = max / 20;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] rgb = new int[3];
                for (int c = 0; c < 3; c++) {
                    float v = ch[colour ? c : 0][y * w + x];
                    double s = asinh(Math.max(0, v) / soft) / asinh(max / soft);
                    rgb[c] = (int) Math.round(255 * Math.min(1, Math.max(0, s)));
                }
                img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
        }
        BufferedImage scaled = new BufferedImage(cell, cell, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, cell, cell, null);
        g.dispose();
        return scaled;
    }

    private static double asinh(double x) {
        return Math.log(x + Math.sqrt(x * x + 1));
    }
}
