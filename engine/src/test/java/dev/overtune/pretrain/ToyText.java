package dev.overtune.pretrain;

import java.util.SplittableRandom;

/** Sentences from a small grammar: easy enough that a tiny model's held-out loss falls within a few thousand tokens. */
final class ToyText {
    private static final String[] SUBJECTS = {"the cat", "a dog", "the old man", "my sister", "the farmer", "a small bird",
            "the teacher", "our neighbour", "the children", "a sailor"};
    private static final String[] VERBS = {"sees", "likes", "finds", "paints", "follows", "feeds", "greets", "watches", "carries"};
    private static final String[] OBJECTS = {"the red ball", "a quiet river", "the tall tree", "an open window", "the green field",
            "a wooden boat", "the yellow house", "a long road"};
    private static final String[] ENDINGS = {".", " today.", " again.", " in the morning.", " every day.", " near the hill."};

    private ToyText() {}

    static String generate(long seed, int sentences) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            String subject = SUBJECTS[r.nextInt(SUBJECTS.length)];
            sb.append(Character.toUpperCase(subject.charAt(0))).append(subject, 1, subject.length())
                    .append(' ').append(VERBS[r.nextInt(VERBS.length)])
                    .append(' ').append(OBJECTS[r.nextInt(OBJECTS.length)])
                    .append(ENDINGS[r.nextInt(ENDINGS.length)])
                    .append(r.nextInt(5) == 0 ? "\n" : " ");
        }
        return sb.toString();
    }
}
