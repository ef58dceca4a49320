package dev.overtune.bench.peers;

/** One timed call of a worker: {@code count} repetitions of a job took {@code seconds}; the loss of the last one. */
public record Call(int count, double seconds, double loss) {
    public static Call of(WorkerProtocol.Command command, WorkerProtocol.Reply reply) {
        return new Call(command.count(), reply.seconds(), reply.loss());
    }
}
