#!/usr/bin/env bash
# Type-checks the library (src/) and synthesizes the example app against a given aws-cdk-lib version
# (default: the lowest the peer range allows), installed from the npm registry into a temporary folder,
# with the constructs and cdk-nag versions of the lockfile. Needs the bundles (npm run bundle:envelope).
# Ends with `N passed, N failed`.
#   bash scripts/cdk-floor.sh [AWS_CDK_LIB_VERSION]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
range=$(node -p 'require("./package.json").peerDependencies["aws-cdk-lib"]')
version=${1:-$(node -p 'require("semver").minVersion(process.argv[1]).version' "$range")}
locked() { node -p "require('./node_modules/$1/package.json').version"; }
passed=0
failed=0
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "aws-cdk-lib $version (peer range $range), constructs $(locked constructs), cdk-nag $(locked cdk-nag)"
mkdir -p "$work/deps"
echo '{"name":"securekey-cdk-floor","version":"0.0.0","private":true}' >"$work/deps/package.json"
(cd "$work/deps" && npm install --no-audit --no-fund --no-package-lock --loglevel=error \
  "aws-cdk-lib@$version" "constructs@$(cd "$root" && locked constructs)" "cdk-nag@$(cd "$root" && locked cdk-nag)")
result $? "npm install aws-cdk-lib@$version"
[ "$(node -p "require('$work/deps/node_modules/aws-cdk-lib/package.json').version")" = "$version" ]
result $? "aws-cdk-lib $version is the one installed"

# The library's sources and the example app, resolving aws-cdk-lib from the temporary folder.
mkdir -p "$work/app"
cp -r src examples lambda assets package.json tsconfig.json "$work/app/"
ln -s "$work/deps/node_modules" "$work/app/node_modules"
for tool in typescript ts-node @types/node @types/jest; do
  mkdir -p "$work/deps/node_modules/$(dirname "$tool")"
  [ -e "$work/deps/node_modules/$tool" ] || ln -s "$root/node_modules/$tool" "$work/deps/node_modules/$tool"
done
(cd "$work/app" && "$root/node_modules/.bin/tsc" -p tsconfig.json --noEmit)
result $? "src/ type-checks against aws-cdk-lib $version"
(cd "$work/app" && "$root/node_modules/.bin/ts-node" --transpile-only --project examples/tsconfig.json examples/synth.ts >"$work/synth.log" 2>&1)
status=$?
[ "$status" -eq 0 ] || tail -n 30 "$work/synth.log"
result "$status" "the example app synthesizes against aws-cdk-lib $version"
[ -f "$work/app/cdk.out/manifest.json" ]; result $? "cdk.out/manifest.json written"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
