#!/bin/sh
# The main job, offline: simulate a run with scripted events and analyse it,
# printing a line per stride and alerts as they are raised, then a summary.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
client/kneectl simulate -o "$out/run.csv" --truth "$out/truth.jsonl" \
    --block stand:5 --block walk:30:110:1.4 --block run:240:172:3.5 --block stand:5 \
    --event hyperextension@60 --event giving_way@95 \
    --event range_loss@120:deg=25,duration=90
client/kneectl analyze --human "$out/run.csv"
