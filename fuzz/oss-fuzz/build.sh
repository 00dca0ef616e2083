#!/bin/bash -eu
# OSS-Fuzz build script for refwasm (projects/refwasm/build.sh in google/oss-fuzz), following
# the documented Python layout: install the project, then compile_python_fuzzer each target
# into $OUT, each with a <target>_seed_corpus.zip next to it.  docs/fuzz-at-scale.md says
# which of these steps were run outside the OSS-Fuzz image.

# refwasm has no dependencies of its own; Hypothesis drives the differential target.
pip3 install . hypothesis

# Seed corpora from the official suites' scripts (a checkout of WebAssembly/testsuite).
CORPUS=$WORK/corpus
python3 fuzz/build_corpus.py --suite "$SRC/testsuite" --out "$CORPUS"

for fuzzer in fuzz/fuzz_*.py; do
  name=$(basename -s .py "$fuzzer")
  compile_python_fuzzer "$fuzzer"
  target=${name#fuzz_}
  if [ -d "$CORPUS/$target" ]; then
    (cd "$CORPUS/$target" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
done
