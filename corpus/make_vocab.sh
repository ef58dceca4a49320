#!/usr/bin/env bash
# Retrains the shipped BPE vocabulary (4096 ranks) on the shipped pre-training text.
# Run after corpus/make_corpus.py; BpeTrainerTest fails until the two agree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bin/jdk25.sh"
cd "$root"
# The classpath file lands in engine/target (paths are relative to the module).
mvn -B -q -ntp -pl engine compile dependency:build-classpath -Dmdep.outputFile=target/engine.classpath
java -cp "engine/target/classes:$(cat engine/target/engine.classpath)" dev.overtune.text.BpeTrainer \
  wordnet-pretrain 4096 engine/src/main/resources/dev/overtune/corpus/wordnet-bpe-4096.tiktoken
