package dev.overtune.pretrain;

/** How a series spends its tokens to reach every budget (lower case: these are the {@code --schedule} values and the series.json strings). */
public enum ScheduleKind {
    /** One run, warm-up + cosine over the largest budget, a checkpoint as it passes each budget (Pythia, OLMo). */
    intermediate,
    /** One warm-up + cosine run per budget, each from the same init and data order, ending annealed (the paper's controlled setting). */
    annealed,
    /** One warm-up–stable trunk at the peak rate; each budget branches off it for a short decay to the minimum. */
    wsd
}
