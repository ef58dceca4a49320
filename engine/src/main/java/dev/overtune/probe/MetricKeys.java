package dev.overtune.probe;

/** The names under which a unit stores its losses; the scan writes them and the analysis reads them. */
public final class MetricKeys {
    /** The task's validation loss: what the best fine-tuning learning rate is chosen by. */
    public static final String ID_VAL_LOSS = "id_val_loss";
    /** The task's test loss. */
    public static final String ID_TEST_LOSS = "id_test_loss";
    /** The loss on the held-out (out-of-distribution) text. */
    public static final String OOD_LOSS = "ood_loss";
    /** The fine-tune's training loss at its last step. */
    public static final String TRAIN_LOSS_LAST = "train_loss_last";

    private MetricKeys() {}
}
