package dev.overtune.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Recognises checkpoint formats overtune refuses to load. */
public final class CheckpointFormats {
    static final List<String> PICKLE_EXTENSIONS = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");

    private CheckpointFormats() {
    }

    static boolean isPickle(Path p) {
        Path name = p.getFileName();
        if (name == null) {
            return false;
        }
        String lower = name.toString().toLowerCase(Locale.ROOT);
        return PICKLE_EXTENSIONS.stream().anyMatch(lower::endsWith);
    }

    /** Throws {@link CheckpointException} if {@code p} names a pickle checkpoint; returns otherwise. */
    public static void refusePickle(Path p) {
        if (isPickle(p)) {
            throw CheckpointException.of(p, "is a pickle checkpoint, which overtune will not load because loading pickle runs code",
                    "convert it: load it in PyTorch yourself and save with "
                            + "safetensors.torch.save_model(model, 'model.safetensors') (save_model handles tied weights)");
        }
    }
}
