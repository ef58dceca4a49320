package dev.overtune.cuda.exec;

/** A buffer that must hold its bytes from step {@code first} through step {@code last}, inclusive. */
public record Lifetime(long bytes, int first, int last) {
    public Lifetime {
        if (bytes < 0 || first > last) {
            throw new IllegalArgumentException("lifetime of " + bytes + " bytes over steps [" + first + ", " + last + "]");
        }
    }

    public boolean overlaps(Lifetime other) {
        return first <= other.last && other.first <= last;
    }
}
