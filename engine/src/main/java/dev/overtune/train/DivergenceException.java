package dev.overtune.train;

/** Training produced a NaN or infinite loss or gradient; nothing from that step was applied. */
public final class DivergenceException extends RuntimeException {
    private final long step;

    public DivergenceException(long step, String what, double lastFiniteLoss, long lastFiniteStep) {
        super("training diverged at step " + step + ": " + what
                + (lastFiniteStep >= 0 ? "; last finite loss " + lastFiniteLoss + " at step " + lastFiniteStep : "")
                + "; lower the learning rate or check the data");
        this.step = step;
    }

    public long step() {
        return step;
    }
}
