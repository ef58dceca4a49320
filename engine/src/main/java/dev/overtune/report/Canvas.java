package dev.overtune.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.PathIterator;
import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * What {@link Chart} draws with: the few Java2D operations a chart needs, so that one drawing becomes a PNG
 * (through Java2D) or an SVG file (written as text, sharp at any size and editable) without a drawing library.
 */
interface Canvas {
    void setColor(Color c);

    void setStroke(BasicStroke s);

    void setFont(Font f);

    /** Text is measured with Java2D's metrics on both canvases, so an SVG lays out as its PNG does. */
    FontMetrics getFontMetrics();

    void draw(Shape s);

    void fill(Shape s);

    void drawString(String s, double x, double baseline);

    /** Text turned a quarter left (reading upwards), its baseline start at (x, y) before turning. */
    void drawStringUpwards(String s, double x, double y);

    void pushClip(Rectangle r);

    void popClip();

    /** Java2D on an image: the PNG. */
    final class Raster implements Canvas {
        private final Graphics2D g;
        private final Deque<Shape> clips = new ArrayDeque<>();

        Raster(Graphics2D g) {
            this.g = g;
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        }

        @Override public void setColor(Color c) { g.setColor(c); }
        @Override public void setStroke(BasicStroke s) { g.setStroke(s); }
        @Override public void setFont(Font f) { g.setFont(f); }
        @Override public FontMetrics getFontMetrics() { return g.getFontMetrics(); }
        @Override public void draw(Shape s) { g.draw(s); }
        @Override public void fill(Shape s) { g.fill(s); }
        @Override public void drawString(String s, double x, double baseline) { g.drawString(s, (float) x, (float) baseline); }

        @Override
        public void drawStringUpwards(String s, double x, double y) {
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2, x, y);
            g.drawString(s, (float) x, (float) y);
            g.setTransform(saved);
        }

        @Override
        public void pushClip(Rectangle r) {
            clips.push(g.getClip() == null ? new Rectangle(-100_000, -100_000, 200_000, 200_000) : g.getClip());
            g.clip(r);
        }

        @Override
        public void popClip() {
            g.setClip(clips.pop());
        }
    }

    /** SVG 1.1 as text. */
    final class Svg implements Canvas {
        private final StringBuilder out = new StringBuilder();
        private final Graphics2D metrics = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        private Color color = Color.BLACK;
        private BasicStroke stroke = new BasicStroke(1f);
        private Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        private int clipIds;

        Svg(int width, int height) {
            out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                    .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(width).append("\" height=\"")
                    .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\">\n");
            metrics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        }

        /** The document; the canvas is finished. */
        String finish() {
            metrics.dispose();
            return out.append("</svg>\n").toString();
        }

        @Override public void setColor(Color c) { color = c; }
        @Override public void setStroke(BasicStroke s) { stroke = s; }

        @Override
        public void setFont(Font f) {
            font = f;
            metrics.setFont(f);
        }

        @Override public FontMetrics getFontMetrics() { return metrics.getFontMetrics(font); }

        @Override
        public void draw(Shape s) {
            out.append("<path d=\"").append(path(s)).append("\" fill=\"none\" stroke=\"").append(hex(color)).append('"')
                    .append(opacity("stroke-opacity")).append(" stroke-width=\"").append(num(stroke.getLineWidth())).append('"');
            if (stroke.getEndCap() == BasicStroke.CAP_ROUND) {
                out.append(" stroke-linecap=\"round\"");
            }
            if (stroke.getLineJoin() == BasicStroke.JOIN_ROUND) {
                out.append(" stroke-linejoin=\"round\"");
            }
            float[] dash = stroke.getDashArray();
            if (dash != null) {
                out.append(" stroke-dasharray=\"");
                for (int i = 0; i < dash.length; i++) {
                    out.append(i == 0 ? "" : " ").append(num(dash[i]));
                }
                out.append('"');
            }
            out.append("/>\n");
        }

        @Override
        public void fill(Shape s) {
            out.append("<path d=\"").append(path(s)).append("\" fill=\"").append(hex(color)).append('"').append(opacity("fill-opacity"))
                    .append("/>\n");
        }

        @Override
        public void drawString(String s, double x, double baseline) {
            text(s, x, baseline, null);
        }

        @Override
        public void drawStringUpwards(String s, double x, double y) {
            text(s, x, y, "rotate(-90 " + num(x) + " " + num(y) + ")");
        }

        private void text(String s, double x, double y, String transform) {
            out.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"")
                    .append(font.getSize()).append('"');
            if (font.isBold()) {
                out.append(" font-weight=\"bold\"");
            }
            if (font.isItalic()) {
                out.append(" font-style=\"italic\"");
            }
            out.append(" fill=\"").append(hex(color)).append('"').append(opacity("fill-opacity"));
            if (transform != null) {
                out.append(" transform=\"").append(transform).append('"');
            }
            out.append('>').append(escape(s)).append("</text>\n");
        }

        @Override
        public void pushClip(Rectangle r) {
            String id = "clip" + clipIds++;
            out.append("<clipPath id=\"").append(id).append("\"><rect x=\"").append(r.x).append("\" y=\"").append(r.y).append("\" width=\"")
                    .append(r.width).append("\" height=\"").append(r.height).append("\"/></clipPath>\n<g clip-path=\"url(#").append(id).append(")\">\n");
        }

        @Override
        public void popClip() {
            out.append("</g>\n");
        }

        private String opacity(String attribute) {
            return color.getAlpha() == 255 ? "" : " " + attribute + "=\"" + num(color.getAlpha() / 255.0) + "\"";
        }

        static String path(Shape s) {
            StringBuilder d = new StringBuilder();
            double[] c = new double[6];
            for (PathIterator it = s.getPathIterator(null); !it.isDone(); it.next()) {
                switch (it.currentSegment(c)) {
                    case PathIterator.SEG_MOVETO -> d.append('M').append(num(c[0])).append(' ').append(num(c[1]));
                    case PathIterator.SEG_LINETO -> d.append('L').append(num(c[0])).append(' ').append(num(c[1]));
                    case PathIterator.SEG_QUADTO -> d.append('Q').append(num(c[0])).append(' ').append(num(c[1])).append(' ')
                            .append(num(c[2])).append(' ').append(num(c[3]));
                    case PathIterator.SEG_CUBICTO -> d.append('C').append(num(c[0])).append(' ').append(num(c[1])).append(' ')
                            .append(num(c[2])).append(' ').append(num(c[3])).append(' ').append(num(c[4])).append(' ').append(num(c[5]));
                    case PathIterator.SEG_CLOSE -> d.append('Z');
                    default -> throw new IllegalStateException("unknown path segment");
                }
            }
            return d.toString();
        }

        static String hex(Color c) {
            return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
        }

        static String num(double v) {
            String s = String.format(Locale.ROOT, "%.2f", v);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }

        static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
