package dev.overtune.report;

import dev.overtune.findings.Format;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Line charts drawn with Java2D, headless: a figure of side-by-side panels under one title, each panel
 * with axes, ticks, grid, legend, optional error bars, marked points (an inflection) and marked
 * checkpoints (a failed one).
 */
final class Chart {
    static final Color INK = new Color(0x22, 0x22, 0x22);
    static final Color FAILED = new Color(0xd6, 0x27, 0x28);
    private static final Color GRID = new Color(0xe8, 0xe8, 0xe8);
    private static final Color MUTED = new Color(0x66, 0x66, 0x66);
    private static final int PANEL_W = 600;
    private static final int PANEL_H = 440;
    private static final int TITLE_H = 44;
    private static final int FOOT_H = 30;
    private static final int LEFT = 80;
    private static final int RIGHT = 22;
    private static final int TOP = 34;
    private static final int LEGEND_ROW = 20;
    private static final double DODGE = 7;
    private static final int BOTTOM = 62;
    private static final String FONT = Font.SANS_SERIF;

    private Chart() {}

    /** A point; lo and hi are the ends of its error bar, NaN when it has none. */
    record Point(double x, double y, double lo, double hi) {
        static Point of(double x, double y) {
            return new Point(x, y, Double.NaN, Double.NaN);
        }

        boolean hasBar() {
            return Double.isFinite(lo) && Double.isFinite(hi);
        }
    }

    record Series(String name, Color color, boolean dashed, List<Point> points) {
        Series {
            points = points.stream().filter(p -> Double.isFinite(p.x()) && Double.isFinite(p.y()))
                    .sorted((a, b) -> Double.compare(a.x(), b.x())).toList();
        }
    }

    /** A ringed point with a short note, e.g. the minimum of a U-shaped curve. */
    record Marker(double x, double y, Color color, String text) {}

    /**
     * @param includeZero keep y = 0 in range and draw it (for differences against a baseline)
     * @param failedX     x positions of checkpoints to mark as failed
     */
    record Panel(String title, String xLabel, String yLabel, boolean logX, boolean includeZero,
                 List<Series> series, List<Marker> markers, List<Double> failedX) {}

    static BufferedImage render(String title, List<Panel> panels, String footnote) {
        int width = PANEL_W * panels.size();
        int height = TITLE_H + PANEL_H + (footnote == null ? 8 : FOOT_H);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(INK);
            g.setFont(new Font(FONT, Font.BOLD, 19));
            centered(g, title, width / 2, 30);
            for (int i = 0; i < panels.size(); i++) {
                drawPanel(g, panels.get(i), new Rectangle(PANEL_W * i, TITLE_H, PANEL_W, PANEL_H));
            }
            if (footnote != null) {
                g.setColor(MUTED);
                g.setFont(new Font(FONT, Font.PLAIN, 12));
                g.drawString(footnote, 14, height - 11);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void drawPanel(Graphics2D g, Panel p, Rectangle box) {
        List<List<Series>> legend = legendRows(g, p.series(), box.width - LEFT - RIGHT);
        int top = TOP + LEGEND_ROW * legend.size() + 8;
        Rectangle plot = new Rectangle(box.x + LEFT, box.y + top, box.width - LEFT - RIGHT, box.height - top - BOTTOM);
        g.setColor(INK);
        g.setFont(new Font(FONT, Font.BOLD, 15));
        centered(g, p.title(), plot.x + plot.width / 2, box.y + 24);

        List<Point> shown = new ArrayList<>();
        int hidden = 0;
        for (Series s : p.series()) {
            for (Point pt : s.points()) {
                if (p.logX() && pt.x() <= 0) {
                    hidden++;
                } else {
                    shown.add(pt);
                }
            }
        }
        List<Double> failedX = p.failedX().stream().filter(x -> !p.logX() || x > 0).toList();
        if (shown.isEmpty()) {
            drawFrame(g, plot);
            g.setColor(MUTED);
            g.setFont(new Font(FONT, Font.ITALIC, 14));
            centered(g, "no data", plot.x + plot.width / 2, plot.y + plot.height / 2);
            return;
        }
        Axis x = xAxis(p, shown, failedX);
        Axis y = yAxis(p, shown);
        DoubleFunction<Double> px = v -> plot.x + x.fraction(v) * plot.width;
        DoubleFunction<Double> py = v -> plot.y + plot.height - y.fraction(v) * plot.height;

        drawGridAndTicks(g, plot, x, y, px, py, p.logX());
        if (p.includeZero() && y.min() < 0 && y.max() > 0) {
            g.setColor(MUTED);
            g.setStroke(new BasicStroke(1.2f));
            g.draw(new Line2D.Double(plot.x, py.apply(0), plot.x + plot.width, py.apply(0)));
        }
        List<Rectangle> labels = new ArrayList<>();
        for (double fx : failedX) {
            labels.add(drawFailed(g, plot, px.apply(fx)));
        }
        Shape clip = g.getClip();
        g.clip(new Rectangle(plot.x - 6, plot.y - 6, plot.width + 12, plot.height + 12));
        // Series with error bars are spread a few pixels apart so that bars at the same x stay readable.
        List<Series> barred = p.series().stream().filter(s -> s.points().stream().anyMatch(Point::hasBar)).toList();
        for (Series s : p.series()) {
            int k = barred.indexOf(s);
            double dodge = k < 0 ? 0 : (k - (barred.size() - 1) / 2.0) * DODGE;
            drawSeries(g, s, p.logX(), v -> px.apply(v) + dodge, py);
        }
        g.setClip(clip);
        for (Marker m : p.markers()) {
            if (x.shows(m.x())) {
                labels.add(drawMarker(g, plot, m, px.apply(m.x()), py.apply(m.y()), labels));
            }
        }
        drawFrame(g, plot);
        drawAxisLabels(g, p, plot, box);
        drawLegend(g, legend, plot, box.y + TOP);
        if (hidden > 0) {
            g.setColor(MUTED);
            g.setFont(new Font(FONT, Font.ITALIC, 11));
            String note = hidden + " point" + (hidden == 1 ? "" : "s") + " at 0 tokens not shown on the log axis";
            g.drawString(note, plot.x + plot.width - g.getFontMetrics().stringWidth(note) - 4, plot.y + plot.height - 6);
        }
    }

    private static Axis xAxis(Panel p, List<Point> shown, List<Double> failedX) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Point pt : shown) {
            lo = Math.min(lo, pt.x());
            hi = Math.max(hi, pt.x());
        }
        for (double f : failedX) {
            lo = Math.min(lo, f);
            hi = Math.max(hi, f);
        }
        return p.logX() ? Axis.log(lo, hi) : Axis.linear(lo, hi);
    }

    private static Axis yAxis(Panel p, List<Point> shown) {
        double lo = p.includeZero() ? 0 : Double.POSITIVE_INFINITY;
        double hi = p.includeZero() ? 0 : Double.NEGATIVE_INFINITY;
        for (Point pt : shown) {
            lo = Math.min(lo, pt.hasBar() ? Math.min(pt.y(), pt.lo()) : pt.y());
            hi = Math.max(hi, pt.hasBar() ? Math.max(pt.y(), pt.hi()) : pt.y());
        }
        return Axis.linear(lo, hi);
    }

    private static void drawGridAndTicks(Graphics2D g, Rectangle plot, Axis x, Axis y, DoubleFunction<Double> px,
                                         DoubleFunction<Double> py, boolean tokensAxis) {
        g.setFont(new Font(FONT, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (double t : x.minorTicks()) {
            g.setColor(GRID);
            double X = px.apply(t);
            g.draw(new Line2D.Double(X, plot.y, X, plot.y + plot.height));
            g.setColor(MUTED);
            g.draw(new Line2D.Double(X, plot.y + plot.height, X, plot.y + plot.height + 3));
        }
        for (double t : x.ticks()) {
            double X = px.apply(t);
            g.setColor(GRID);
            g.draw(new Line2D.Double(X, plot.y, X, plot.y + plot.height));
            g.setColor(INK);
            g.draw(new Line2D.Double(X, plot.y + plot.height, X, plot.y + plot.height + 6));
            centered(g, tokensAxis ? Format.tokens(t) : Format.fixed(t, x.decimals()), (int) Math.round(X), plot.y + plot.height + 8 + fm.getAscent());
        }
        for (double t : y.ticks()) {
            double Y = py.apply(t);
            g.setColor(GRID);
            g.draw(new Line2D.Double(plot.x, Y, plot.x + plot.width, Y));
            g.setColor(INK);
            g.draw(new Line2D.Double(plot.x - 6, Y, plot.x, Y));
            String label = Format.fixed(t, y.decimals());
            g.drawString(label, plot.x - 9 - fm.stringWidth(label), (float) (Y + fm.getAscent() / 2.0 - 2));
        }
    }

    private static void drawFrame(Graphics2D g, Rectangle plot) {
        g.setColor(INK);
        g.setStroke(new BasicStroke(1.2f));
        g.draw(plot);
    }

    private static void drawAxisLabels(Graphics2D g, Panel p, Rectangle plot, Rectangle box) {
        g.setColor(INK);
        g.setFont(new Font(FONT, Font.PLAIN, 14));
        centered(g, p.xLabel(), plot.x + plot.width / 2, box.y + box.height - 14);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        centered(g, p.yLabel(), -(plot.y + plot.height / 2), box.x + 22);
        g.setTransform(saved);
    }

    private static void drawSeries(Graphics2D g, Series s, boolean logX, DoubleFunction<Double> px, DoubleFunction<Double> py) {
        List<Point> pts = s.points().stream().filter(pt -> !logX || pt.x() > 0).toList();
        g.setColor(s.color());
        g.setStroke(new BasicStroke(1.4f));
        for (Point pt : pts) {
            if (pt.hasBar()) {
                double X = px.apply(pt.x());
                double lo = py.apply(pt.lo());
                double hi = py.apply(pt.hi());
                g.draw(new Line2D.Double(X, lo, X, hi));
                g.draw(new Line2D.Double(X - 4, lo, X + 4, lo));
                g.draw(new Line2D.Double(X - 4, hi, X + 4, hi));
            }
        }
        g.setStroke(s.dashed()
                ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {7f, 5f}, 0f)
                : new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double line = new Path2D.Double();
        for (int i = 0; i < pts.size(); i++) {
            double X = px.apply(pts.get(i).x());
            double Y = py.apply(pts.get(i).y());
            if (i == 0) {
                line.moveTo(X, Y);
            } else {
                line.lineTo(X, Y);
            }
        }
        g.draw(line);
        g.setStroke(new BasicStroke(1.5f));
        for (Point pt : pts) {
            dot(g, s, px.apply(pt.x()), py.apply(pt.y()));
        }
    }

    private static void dot(Graphics2D g, Series s, double X, double Y) {
        Ellipse2D.Double d = new Ellipse2D.Double(X - 3.8, Y - 3.8, 7.6, 7.6);
        g.setColor(s.dashed() ? Color.WHITE : s.color());
        g.fill(d);
        g.setColor(s.color());
        g.draw(d);
    }

    /** Returns where its label went. */
    private static Rectangle drawFailed(Graphics2D g, Rectangle plot, double X) {
        g.setColor(FAILED);
        g.setStroke(new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
        g.draw(new Line2D.Double(X, plot.y, X, plot.y + plot.height));
        g.setStroke(new BasicStroke(2.2f));
        double b = plot.y + plot.height - 10;
        g.draw(new Line2D.Double(X - 5, b - 5, X + 5, b + 5));
        g.draw(new Line2D.Double(X - 5, b + 5, X + 5, b - 5));
        g.setFont(new Font(FONT, Font.BOLD, 11));
        String label = "failed";
        FontMetrics fm = g.getFontMetrics();
        int w = fm.stringWidth(label);
        int lx = (int) Math.round(Math.min(Math.max(X - w / 2.0, plot.x + 2), plot.x + plot.width - w - 2));
        Rectangle box = new Rectangle(lx - 2, plot.y + 3, w + 4, fm.getHeight());
        g.setColor(Color.WHITE);
        g.fill(box);
        g.setColor(FAILED);
        g.drawString(label, lx, plot.y + 3 + fm.getAscent());
        return box;
    }

    /** Draws the ring and its note, moving the note clear of the labels already placed; returns where the note went. */
    private static Rectangle drawMarker(Graphics2D g, Rectangle plot, Marker m, double X, double Y, List<Rectangle> placed) {
        g.setColor(m.color());
        g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {2f, 3f}, 0f));
        g.draw(new Line2D.Double(X, Y + 10, X, plot.y + plot.height));
        g.setStroke(new BasicStroke(2.4f));
        g.draw(new Ellipse2D.Double(X - 10, Y - 10, 20, 20));
        g.setFont(new Font(FONT, Font.BOLD, 12));
        FontMetrics fm = g.getFontMetrics();
        int w = fm.stringWidth(m.text());
        int tx = (int) Math.round(Math.min(Math.max(X - w / 2.0, plot.x + 4), plot.x + plot.width - w - 4));
        int h = fm.getHeight() + 2;
        Rectangle ring = new Rectangle((int) X - 11, (int) Y - 11, 22, 22);
        placed.add(ring);
        // Below the ring when there is room (a minimum sits low), otherwise above it; then further away until clear.
        boolean below = Y + 14 + h < plot.y + plot.height;
        Rectangle box = new Rectangle(tx - 3, below ? (int) Math.round(Y + 13) : (int) Math.round(Y - 15 - h), w + 6, h);
        int step = below ? h + 1 : -(h + 1);
        while (placed.stream().anyMatch(box::intersects) && box.y + step >= plot.y && box.y + step + h <= plot.y + plot.height) {
            box.y += step;
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fill(box);
        g.setColor(m.color());
        g.drawString(m.text(), tx, box.y + 1 + fm.getAscent());
        return box;
    }

    /** Legend entries laid out in rows under the panel title, so the legend never hides data. */
    private static List<List<Series>> legendRows(Graphics2D g, List<Series> series, int width) {
        g.setFont(new Font(FONT, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        List<List<Series>> rows = new ArrayList<>();
        List<Series> row = new ArrayList<>();
        int used = 0;
        for (Series s : series) {
            if (s.points().isEmpty()) {
                continue;
            }
            int w = legendEntryWidth(fm, s);
            if (!row.isEmpty() && used + w > width) {
                rows.add(row);
                row = new ArrayList<>();
                used = 0;
            }
            row.add(s);
            used += w;
        }
        if (!row.isEmpty()) {
            rows.add(row);
        }
        return rows;
    }

    private static int legendEntryWidth(FontMetrics fm, Series s) {
        return 30 + 6 + fm.stringWidth(s.name()) + 18;
    }

    private static void drawLegend(Graphics2D g, List<List<Series>> rows, Rectangle plot, int top) {
        g.setFont(new Font(FONT, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int y = top;
        for (List<Series> row : rows) {
            int total = row.stream().mapToInt(s -> legendEntryWidth(fm, s)).sum() - 18;
            int x = plot.x + (plot.width - total) / 2;
            double mid = y + LEGEND_ROW / 2.0;
            for (Series s : row) {
                g.setColor(s.color());
                g.setStroke(s.dashed()
                        ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {7f, 5f}, 0f)
                        : new BasicStroke(2.2f));
                g.draw(new Line2D.Double(x, mid, x + 30, mid));
                g.setStroke(new BasicStroke(1.5f));
                dot(g, s, x + 15, mid);
                g.setColor(INK);
                g.drawString(s.name(), x + 36, (float) (mid + fm.getAscent() / 2.0 - 2));
                x += legendEntryWidth(fm, s);
            }
            y += LEGEND_ROW;
        }
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }
}
