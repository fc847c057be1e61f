# attention-judge — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# The CPU build of torch. Elsewhere, point pip at PyTorch's CPU index, e.g.
#   make test TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null && echo sudo)
DEMO_OUT ?= demo-out

.PHONY: help install install-dev system-deps demo test bench clean

help:
	@echo "make demo   install, grade the example class, build the study site"
	@echo "make test   install what the tests need and run them all"
	@echo "make bench  measure grading speed (see bench/README.md)"

# Torch first and on its own, so that installing the package never pulls a CUDA build.
install:
	@$(PYTHON) -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(PIP) install -q -e .

install-dev: install
	$(PIP) install -q -e ".[dev]"

# Debian's Chromium drives the browser tests.
system-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

demo: install
	@rm -rf "$(DEMO_OUT)"
	attn-judge grade examples/class --out "$(DEMO_OUT)/class" --allow-weak-isolation
	attn-judge site build --out "$(DEMO_OUT)/site"
	@echo
	@echo "Class overview: $(abspath $(DEMO_OUT))/class/index.html"
	@echo "Study site:     $(abspath $(DEMO_OUT))/site/index.html"

test: install-dev system-deps
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) bench/grading.py

clean:
	rm -rf "$(DEMO_OUT)" test-artifacts build dist .pytest_cache
