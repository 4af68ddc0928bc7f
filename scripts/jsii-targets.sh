#!/usr/bin/env bash
# Generates the Python, Java, .NET and Go code of the jsii module (jsii-pacmak --code-only: those
# languages' registries are not reachable, so nothing is built into a package) and checks what can be
# checked offline. Needs a current .jsii (npx projen compile). Ends with `N passed, N failed`.
#   Python: the package is named cdk_secure_key and every file compiles (python3 -m py_compile).
#   Java:   the package is io.github.securekey.cdk.securekey and every file parses (the JDK's javac
#           front end, scripts/JavaParseCheck.java). Compiling it needs the jsii runtime and the
#           aws-cdk-lib, constructs and cdk-nag jars from Maven Central, which CI cannot download.
#   .NET:   the project SecureKey.CdkSecureKey is generated; compiled with `dotnet build` only where
#           dotnet and those NuGet packages are available (not on the CI machine).
#   Go:     the module github.com/securekey/cdk-secure-key-go/cdksecurekey is generated; gofmt -l
#           checks its syntax where Go is installed (not on the CI machine).
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi; }

# jsii-pacmak prints a long Node.js support banner; keep its output only when it fails.
if npx jsii-pacmak --code-only --outdir "$out" --targets python java dotnet go >"$out.log" 2>&1; then
  result 0 "jsii-pacmak generated python, java, dotnet and go code"
else
  grep -v '^!!' "$out.log" | tail -n 30
  result 1 "jsii-pacmak generated python, java, dotnet and go code"
fi
rm -f "$out.log"

# Python
py=$(find "$out/python/src/cdk_secure_key" -name '*.py' 2>/dev/null)
[ -n "$py" ]; result $? "python: package cdk_secure_key generated ($(echo "$py" | grep -c . ) files)"
if command -v python3 >/dev/null 2>&1 && [ -n "$py" ]; then
  # shellcheck disable=SC2086
  PYTHONPYCACHEPREFIX="$out/pycache" python3 -m py_compile $py; result $? "python: every file compiles (python3 -m py_compile)"
else
  echo "skip python: python3 not found"
fi
grep -q "name=\"cdk-secure-key\"\|\"name\": \"cdk-secure-key\"" "$out/python/setup.py" 2>/dev/null; result $? "python: distribution name cdk-secure-key"

# Java
java_files=$(find "$out/java/src/main/java/io/github/securekey/cdk/securekey" -name '*.java' 2>/dev/null)
[ -n "$java_files" ]; result $? "java: package io.github.securekey.cdk.securekey generated ($(echo "$java_files" | grep -c .) files)"
grep -q '<artifactId>cdk-secure-key</artifactId>' "$out/java/pom.xml" 2>/dev/null && grep -q '<groupId>io.github.securekey</groupId>' "$out/java/pom.xml"
result $? "java: Maven coordinates io.github.securekey:cdk-secure-key"
if command -v java >/dev/null 2>&1 && [ -n "$java_files" ]; then
  # shellcheck disable=SC2086
  java scripts/JavaParseCheck.java $java_files; result $? "java: every file parses (javac front end; not compiled: no jsii runtime or CDK jars offline)"
else
  echo "skip java: no JDK"
fi

# .NET
[ -f "$out/dotnet/SecureKey.CdkSecureKey/SecureKey.CdkSecureKey.csproj" ]; result $? "dotnet: project SecureKey.CdkSecureKey generated"
if command -v dotnet >/dev/null 2>&1; then
  dotnet build "$out/dotnet/SecureKey.CdkSecureKey" >/dev/null 2>&1; result $? "dotnet: dotnet build"
else
  echo "skip dotnet: dotnet is not installed; the C# code is generated, not compiled"
fi

# Go
grep -q '^module github.com/securekey/cdk-secure-key-go/cdksecurekey$' "$out/go/cdksecurekey/go.mod" 2>/dev/null
result $? "go: module github.com/securekey/cdk-secure-key-go/cdksecurekey generated"
if command -v gofmt >/dev/null 2>&1; then
  bad=$(gofmt -l "$out/go/cdksecurekey" 2>&1); [ -z "$bad" ]; result $? "go: gofmt parses every file"
else
  echo "skip go: Go is not installed; the Go code is generated, not parsed"
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
