# attention-judge — two commands on a fresh machine: `make demo` and `make test`.
#
# Everything is installed into .venv/ at the repository's root (created with
# $(PYTHON), which may be the distribution's own Python, pyenv's or conda's),
# never into the system's packages. Debian packages (Chromium and a CJK font for
# the browser tests, the venv module where the distribution splits it out) are
# installed with apt when missing: directly as root, through sudo otherwise.
PYTHON ?= python3
VENV ?= .venv
VENV_PY := $(VENV)/bin/python
PIP := $(VENV_PY) -m pip
# The CPU build of torch. On x86-64 Linux, PyPI's torch is the CUDA build (gigabytes of
# nvidia-* wheels), so ask for the +cpu build there; if pip cannot find it, point it at
# PyTorch's CPU index or a directory of wheels, e.g.
#   make test TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0$(if $(filter Linux-x86_64,$(shell uname -s)-$(shell uname -m)),+cpu)
TORCH_PIP_ARGS ?=
DEMO_OUT ?= demo-out
# root needs no sudo; anyone else needs it (or must install the packages by hand).
SUDO := $(shell if [ "$$(id -u)" = 0 ]; then :; elif command -v sudo >/dev/null 2>&1; then echo sudo; else echo NO-SUDO; fi)
APT_PACKAGES_TEST := chromium fonts-noto-cjk

.PHONY: help install install-dev system-deps venv demo test bench clean

help:
	@echo "make demo   install, grade the example class, build the study site"
	@echo "make test   install what the tests need and run them all"
	@echo "make bench  measure grading speed (see bench/README.md)"

# apt-get, once per make run, only when a package is missing; exits with what to do when it cannot.
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "error: install these packages with your system's package manager:$$missing" >&2; exit 2; fi; \
	  if [ "$(SUDO)" = NO-SUDO ]; then \
	    echo "error: these Debian packages are missing and installing them needs root or sudo:$$missing" >&2; \
	    echo "       run as root: apt-get update && apt-get install -y$$missing" >&2; exit 2; fi; \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
endef

# A virtual environment of our own. Debian and Ubuntu ship the venv module (ensurepip)
# in a separate package: install it when the chosen Python lacks it.
$(VENV_PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; pass PYTHON=/path/to/python3 (3.10 or newer)" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "error: $(PYTHON) is older than Python 3.10" >&2; exit 2; }
	@if ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory system-deps APT_PACKAGES="python3-venv python$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"; fi
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

venv: $(VENV_PY)

# Torch first and on its own, so that installing the package never pulls a CUDA build.
install: $(VENV_PY)
	@$(VENV_PY) -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_PIP_ARGS) "$(TORCH_SPEC)" || { \
	  echo "error: pip could not install $(TORCH_SPEC), the CPU build of torch. Point pip at PyTorch's CPU wheels, e.g." >&2; \
	  echo "  make $(or $(MAKECMDGOALS),install) TORCH_PIP_ARGS=\"--index-url https://download.pytorch.org/whl/cpu\"   (or --find-links DIR)" >&2; exit 2; }
	$(PIP) install -q -e .

install-dev: install
	$(PIP) install -q -e ".[dev]"

APT_PACKAGES ?= $(APT_PACKAGES_TEST)
system-deps:
	$(call apt_install,$(APT_PACKAGES))

# The strongest isolation the machine offers; --allow-weak-isolation only where weak is all there is.
demo: install
	@rm -rf "$(DEMO_OUT)"
	@level=$$($(VENV_PY) -m grader.cli isolation); echo "Isolation on this machine: $$level"; \
	case "$$level" in weak*) flag=--allow-weak-isolation; \
	  echo "Only weak isolation is available here: grading the example class anyway (the results say so).";; \
	  *) flag=;; esac; \
	$(VENV)/bin/attn-judge grade examples/class --out "$(DEMO_OUT)/class" $$flag
	$(VENV)/bin/attn-judge site build --out "$(DEMO_OUT)/site"
	@echo
	@echo "Class overview: $(abspath $(DEMO_OUT))/class/index.html"
	@echo "Study site:     $(abspath $(DEMO_OUT))/site/index.html"
	@echo "The command is installed in $(VENV)/: run $(VENV)/bin/attn-judge, or 'source $(VENV)/bin/activate' first."

# The sandbox tests prove the strongest isolation, which needs root (a private uid, a PID
# namespace per submission, a control group). As a plain user a hostile test submission could
# signal every process of that user, so pytest runs through sudo; files it wrote are given back.
# PYTEST_ARGS picks tests, e.g. make test PYTEST_ARGS="tests/test_site_browser.py -x".
PYTEST_ARGS ?=
test: install-dev system-deps
	@if [ "$(SUDO)" = NO-SUDO ]; then echo "error: the sandbox tests need root: run make test as root or through sudo" >&2; exit 2; fi
	@status=0; $(SUDO) env ATTN_JUDGE_STRICT=1 $(if $(ATTN_JUDGE_CHROMIUM),ATTN_JUDGE_CHROMIUM="$(ATTN_JUDGE_CHROMIUM)") \
	  $(VENV_PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$(SUDO)" ]; then $(SUDO) find . -xdev -user 0 -exec chown -h "$$(id -u):$$(id -g)" {} +; fi; \
	exit $$status

bench: install
	$(VENV_PY) bench/grading.py

clean:
	rm -rf "$(DEMO_OUT)" test-artifacts build dist .pytest_cache
