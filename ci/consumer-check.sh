#!/usr/bin/env bash
# Builds ci/consumer, a separate Maven project, against installed nemotron4j
# artifacts and runs it with no LD_LIBRARY_PATH and a fresh JavaCPP cache:
# the jars alone must carry and load the native engine.
#
#   ci/consumer-check.sh [LOCAL_REPO]   (default: ~/.m2/repository, after `mvn install`)
#
# `mvn verify` runs it against a repository the ci module fills with the
# reactor's artifacts (maven-invoker-plugin:install).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="${1:-$HOME/.m2/repository}"
repo="$(cd "$repo" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/consumer/." "$work/"
cd "$work"
settings=()
if [ -n "${CONSUMER_MAVEN_SETTINGS:-}" ]; then settings=(-s "$CONSUMER_MAVEN_SETTINGS"); fi
mvn -B -q "${settings[@]}" -Dmaven.repo.local="$repo" compile dependency:build-classpath -Dmdep.outputFile=cp.txt
echo "consumer classpath:"; tr ":" "\n" < cp.txt | sed "s/^/  /"; echo
env -u LD_LIBRARY_PATH java -Dorg.bytedeco.javacpp.cachedir="$work/javacpp-cache" \
  -cp "target/classes:$(cat cp.txt)" dev.nemotron4j.consumer.Main
