/**
 * The statistics behind the report's verdicts, free of any scan type: exact permutation tests over the
 * order of checkpoints (valid whenever, under "no trend", the per-checkpoint values are exchangeable, which
 * checkpoint-to-checkpoint scatter that more seeds do not remove leaves them), Holm's step-down adjustment,
 * measurement intervals for paired differences, and the t and normal distributions they need.
 */
package dev.overtune.analysis;
