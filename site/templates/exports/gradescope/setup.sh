#!/usr/bin/env bash
# attention-judge {{ version }}: Gradescope runs this script once, as root, when it builds the
# autograder's image. It makes this folder readable by root only, installs Python's venv module
# when it is missing, and installs PyTorch's CPU build and attention-judge (from the wheel in this
# folder) into {{ venv }}. Running it again changes nothing that is already in place.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV={{ venv|sh }}

say() { echo "attn-judge setup: $*"; }

say "making $SOURCE readable by root only (it holds the secret seed and the reference solutions)"
chmod 700 "$SOURCE"
chmod 600 "$SOURCE/seed"
chmod -R go-rwx "$SOURCE/home"

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    say "error: attention-judge needs Python 3.10 or newer; this image has $(python3 --version 2>&1)." >&2
    say "choose a newer base image (Ubuntu 22.04 or later) in the autograder's settings" >&2
    exit 1
fi

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    say "installing Python's venv module (apt-get)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
fi

if [ -x "$VENV/bin/python" ]; then
    say "the environment $VENV exists already"
else
    say "creating the environment $VENV"
    python3 -m venv "$VENV"
fi

if "$VENV/bin/python" -c 'import torch' >/dev/null 2>&1; then
    say "PyTorch is installed already: $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
else
    say "installing {{ torch_spec }} (CPU build) from PyTorch's package index"
    "$VENV/bin/python" -m pip install -q --index-url {{ torch_index|sh }} {{ torch_spec|sh }}
fi

# Installing the same wheel again is a no-op; its other dependencies come from PyPI.
say "installing attention-judge from {{ wheel }}"
"$VENV/bin/python" -m pip install -q "$SOURCE"/{{ wheel|sh }}

say "done. Isolation this machine gives submissions (the grading container may differ):"
"$VENV/bin/attn-judge" isolation --describe || say "the sandbox could not start here (see above)"
