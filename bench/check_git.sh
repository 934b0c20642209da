#!/usr/bin/env bash
# How long `stele check --against git:REF` takes on a repository of many schema files.
#
# Builds a throwaway git repository with N subjects (default 1,000: a third each Avro,
# Protobuf and JSON Schema, every one referencing a shared envelope in its format), commits
# three versions of every file (each adds an optional field), changes ten files in the working
# tree (one of them incompatibly), then times `stele check --against git:main` at
# BACKWARD_TRANSITIVE (every file's three earlier versions) and at BACKWARD.
#
#   bench/check_git.sh            # 1,000 files
#   bench/check_git.sh 5000       # another size
#
# Needs python3 and git; builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"

cargo build --release --quiet -p stele-cli
stele="$PWD/${CARGO_TARGET_DIR:-target}/release/stele"
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

python3 - "$work" "$count" <<'EOF'
import json, os, subprocess, sys

root, count = sys.argv[1], int(sys.argv[2])
def git(*args):
    subprocess.run(["git", *args], cwd=root, check=True, stdout=subprocess.DEVNULL)
def write(path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)

def avro(i, extra):
    fields = [{"name": "envelope", "type": "bench.common.Envelope"},
              {"name": "id", "type": "string"}, {"name": "amount", "type": "long"}]
    fields += [{"name": f"extra{k}", "type": ["null", "string"], "default": None} for k in range(extra)]
    return json.dumps({"type": "record", "name": f"Event{i}", "namespace": "bench", "fields": fields}, indent=2)
def proto(i, extra):
    lines = [f"  string extra{k} = {10 + k};" for k in range(extra)]
    return ("syntax = \"proto3\";\npackage bench;\nimport \"bench/common/envelope.proto\";\n"
            f"message Event{i} {{\n  bench.common.Envelope envelope = 1;\n  string id = 2;\n  int64 amount = 3;\n"
            + "\n".join(lines) + "\n}\n")
def jsons(i, extra):
    props = {"envelope": {"$ref": "envelope.json"}, "id": {"type": "string"}, "amount": {"type": "integer"}}
    props.update({f"extra{k}": {"type": "string"} for k in range(extra)})
    return json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"Event{i}",
                       "type": "object", "additionalProperties": False,
                       "required": ["envelope", "id", "amount"], "properties": props}, indent=2)

formats = [("avsc", avro, 'shared = "bench.common.Envelope"', "bench.common.Envelope"),
           ("proto", proto, "", "bench/common/envelope.proto"),
           ("json", jsons, "", "envelope.json")]
manifest = ['[project]\nname = "bench"\n\n[defaults]\ncompatibility = "BACKWARD_TRANSITIVE"\n',
            '[[subjects]]\nsubject = "bench.common.Envelope"\nfile = "common/envelope.avsc"\n',
            '[[subjects]]\nsubject = "bench/common/envelope.proto"\nfile = "common/envelope.proto"\n',
            '[[subjects]]\nsubject = "envelope.json"\nfile = "common/envelope.json"\n']
write("common/envelope.avsc", json.dumps({"type": "record", "name": "Envelope", "namespace": "bench.common",
      "fields": [{"name": "eventId", "type": "string"}]}))
write("common/envelope.proto", "syntax = \"proto3\";\npackage bench.common;\nmessage Envelope {\n  string event_id = 1;\n}\n")
write("common/envelope.json", json.dumps({"type": "object", "properties": {"eventId": {"type": "string"}}}))
def path(i):
    ext = formats[i % 3][0]
    return f"events/e{i}.{ext}"
for i in range(count):
    ext, _, _, ref = formats[i % 3]
    manifest.append(f'[[subjects]]\nfile = "{path(i)}"\ntopic = "bench.e{i}"\n'
                    f'references = [{{ name = "{ref}", subject = "{ref}" }}]\n')
write("stele.toml", "\n".join(manifest))
git("init", "--quiet", "--initial-branch=main")
git("config", "user.email", "bench@example.com"); git("config", "user.name", "bench")
for version in range(3):
    for i in range(count):
        write(path(i), formats[i % 3][1](i, version))
    git("add", "-A"); git("commit", "--quiet", "-m", f"version {version + 1}")
# The pull request: ten files gain a field; the first one (Avro) also turns `amount` from a
# long into a string, which no reader of the earlier versions accepts.
for i in range(10):
    text = formats[i % 3][1](i, 3)
    if i == 0:
        text = text.replace('"type": "long"', '"type": "string"')
    write(path(i), text)
EOF

cd "$work"
[ -z "${KEEP:-}" ] || echo "kept: $work"
echo "stele check --against git:main over $count schema files (3 earlier versions each)"
for level in backward_transitive backward; do
  status=0
  started=$(date +%s%N)
  "$stele" check --against git:main -c "$level" > result.txt || status=$?
  ended=$(date +%s%N)
  printf '  %-20s %6d ms  (exit %d; %s)\n' "$level" $(( (ended - started) / 1000000 )) "$status" \
    "$(tail -n 1 result.txt)"
done
