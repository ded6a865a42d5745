#!/bin/sh
# make stress: the crash-safety spec (tests/spec/crash_safety_spec.lua) with
# many kills on registers ten times the size make test uses, then the two
# writers spec. Each kill's round, delay and seed are named on failure;
# ISMS_CRASH_SEED=N repeats a run.
#   sh tests/stress/run.sh BUILD [ROUNDS] [SCALE]
BUILD=${1:-build}
export ISMS_TEST_BUILD="$BUILD"
export ISMS_CRASH_ROUNDS=${2:-30}
export ISMS_CRASH_SCALE=${3:-10}
echo "# stress: $ISMS_CRASH_ROUNDS kills per command, registers x$ISMS_CRASH_SCALE"
luajit /usr/bin/busted -o TAP tests/spec/crash_safety_spec.lua tests/spec/two_writers_spec.lua
