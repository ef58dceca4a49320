// Round-to-nearest onto a symmetric grid, as dev.overtune.probe.Quantization.apply computes it:
// scale = max|x| / levels in double, q = clamp(rint(x / scale)), written back as (float) (q * scale).
#ifndef OVERTUNE_QUANTIZE_CUH
#define OVERTUNE_QUANTIZE_CUH

#include "overtune_math.cuh"

OT_HD float ot_rtn(float x, float max_abs, double levels) {
    double scale = (double) max_abs / levels;
    if (scale == 0) {
        return 0.0f;
    }
    double q = rint((double) x / scale);
    q = q > levels ? levels : q;     // Math.min(levels, q), NaN kept
    q = q < -levels ? -levels : q;   // Math.max(-levels, q)
    return (float) ot_dmul(q, scale);
}

#endif
