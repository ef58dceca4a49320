package dev.overtune.checkpoint;

import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A memory-mapped safetensors file. F32, F64, I64 and BOOL tensors are zero-copy views of the
 * mapping; F16 and BF16 tensors are widened once into F32 memory that lives as long as the file.
 * Everything handed out becomes invalid on {@link #close()}.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path file;
    private final Arena arena;
    private final MemorySegment mapping;
    private final SafetensorsHeader header;
    private final Map<String, HostTensor> widened = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsFile(Path file, Arena arena, MemorySegment mapping, SafetensorsHeader header) {
        this.file = file;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
    }

    /** Maps {@code file} read-only and validates its header; throws {@link CheckpointException} if it is not sound. */
    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new SafetensorsFile(file, arena, mapping, SafetensorsHeader.read(file, mapping));
        } catch (IOException e) {
            arena.close();
            throw CheckpointException.of(file, "cannot read (" + e + ")", "check that the file exists and is readable");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return file;
    }

    /** Tensor names in sorted order, without {@code __metadata__}. */
    public List<String> names() {
        return List.copyOf(header.tensors().keySet());
    }

    /** Where the data section begins in the file; {@link TensorInfo} byte ranges are relative to it. */
    public long dataStart() {
        return header.dataStart();
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw missing(file, name, header.tensors().keySet());
        }
        return info;
    }

    /** The tensor {@code name}; valid until this file is closed. */
    public HostTensor tensor(String name) {
        if (closed.get()) {
            throw new IllegalStateException(file + " is closed");
        }
        TensorInfo info = info(name);
        SafetensorsDtype dtype = SafetensorsDtype.valueOf(info.dtype());
        if (dtype.needsWidening()) {
            return widened.computeIfAbsent(name, n -> widen(info, dtype));
        }
        return new HostTensor(bytesOf(info), dtype.loadedAs(), shapeOf(info));
    }

    private HostTensor widen(TensorInfo info, SafetensorsDtype dtype) {
        HostTensor out = HostTensor.allocate(arena, dtype.loadedAs(), shapeOf(info));
        if (dtype == SafetensorsDtype.F16) {
            HalfPrecision.f16ToF32(bytesOf(info), out.segment());
        } else {
            HalfPrecision.bf16ToF32(bytesOf(info), out.segment());
        }
        return out;
    }

    // The header check guarantees the range lies inside the mapping.
    private MemorySegment bytesOf(TensorInfo info) {
        return mapping.asSlice(header.dataStart() + info.begin(), info.byteSize());
    }

    /** The whole mapped file, for tests that check views are slices of it. */
    MemorySegment mapping() {
        return mapping;
    }

    private static Shape shapeOf(TensorInfo info) {
        long[] dims = info.shape();
        int[] ints = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            ints[i] = Math.toIntExact(dims[i]);
        }
        return Shape.of(ints);
    }

    static CheckpointException missing(Path where, String name, Collection<String> available) {
        List<String> some = available.stream().limit(5).map(CheckpointException::quote).toList();
        String listing = available.isEmpty() ? "it holds no tensors"
                : "it holds " + String.join(", ", some) + (available.size() > some.size() ? ", ... (" + available.size() + " in all)" : "");
        return CheckpointException.of(where, name, "no such tensor (" + listing + ")",
                "check the tensor name against the model's architecture");
    }

    /** Unmaps the file and frees widened tensors; tensors obtained earlier must not be used afterwards. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }
}
