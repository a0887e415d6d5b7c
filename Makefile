# SPDX-License-Identifier: GPL-2.0
#
# bcache-bypass-tracker: bcache.ko with the bypass tracker, built from the
# target kernel's own bcache source.  "make help" lists the targets.
#
# Kbuild never reads this file: it runs in build/<KVER>/, where
# scripts/prepare-source puts the sources and a copy of ./Kbuild.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?=
BCACHE_DEBUG ?= n
KERNELS ?= $(shell scripts/kernels list)
# make bench compares on the full-suite kernels (the two amd64 ones) unless
# KERNELS is given.
BENCH_KERNELS = $(if $(filter file,$(origin KERNELS)),$(shell scripts/kernels list full),$(KERNELS))

PACKAGE := bcache-bypass-tracker
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
BUILD := build/$(KVER)

# Bad input fails here, before anything runs: KVER names a directory that
# "make clean" removes, so it must be a plain kernel release name.
kver-chars := A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
	a b c d e f g h i j k l m n o p q r s t u v w x y z \
	0 1 2 3 4 5 6 7 8 9 . _ + ~ -
strip-chars = $(if $(2),$(call strip-chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
ifneq ($(words $(KVER)),1)
$(error KVER='$(KVER)' must be one kernel release, e.g. KVER=$(shell uname -r))
endif
ifneq ($(call strip-chars,$(KVER),$(kver-chars)),)
$(error KVER='$(KVER)' is not a kernel release name, e.g. KVER=$(shell uname -r))
endif
ifneq ($(filter .%,$(KVER)),)
$(error KVER='$(KVER)' is not a kernel release name, e.g. KVER=$(shell uname -r))
endif
ifneq ($(filter-out y n,$(BCACHE_DEBUG)),)
$(error BCACHE_DEBUG='$(BCACHE_DEBUG)' must be y or n)
endif
ifneq ($(words $(KDIR)),1)
$(error KDIR='$(KDIR)' must be one directory)
endif
ifneq ($(words $(KSRC)),$(if $(KSRC),1,0))
$(error KSRC='$(KSRC)' must be one directory)
endif
ifeq ($(VERSION),)
$(error dkms.conf has no PACKAGE_VERSION)
endif

# Passed through the environment, so that no value is ever parsed by a shell.
# KDIR only when the user set it: our default names the headers of *this*
# KVER, and "make check" runs sub-makes with other KVERs, which must each
# derive their own (a sub-make takes an environment value over "?=").
export KVER KSRC MATRIX_ONLY
ifneq ($(origin KDIR),file)
export KDIR
endif

.PHONY: all modules prepare clean distclean help version \
	install uninstall dkms-install dkms-uninstall sign deb \
	deps sparse checkpatch unit check check-system demo check-debug check-matrix bench \
	upstream-series

all: modules

help:
	@echo "bcache-bypass-tracker $(VERSION)"
	@echo
	@echo "Build and install (KVER defaults to the running kernel):"
	@echo "  make [KVER=<release>]        build build/<release>/bcache.ko"
	@echo "  make install                 DKMS install for the running kernel, reload bcache"
	@echo "  make uninstall               remove it again"
	@echo "  make dkms-install KVER=...   DKMS add/build/install for one kernel"
	@echo "  make dkms-uninstall KVER=... remove it again; the stock module is back"
	@echo "  make sign KVER=...           sign build/<release>/bcache.ko with DKMS's MOK key"
	@echo "  make deb                     build/bcache-bypass-tracker-dkms_$(VERSION)_all.deb (lintian-clean)"
	@echo
	@echo "Test (needs root; installs what it needs on first use):"
	@echo "  make demo                    stale read on stock bcache vs ours, in a VM"
	@echo "  make check                   everything CI runs (KERNELS=... to narrow)"
	@echo "  make check-system            every real-system scenario: Debian 12 image in QEMU"
	@echo
	@echo "Development:"
	@echo "  make deps                    install the Debian packages builds and tests need"
	@echo "  make sparse                  sparse and W=1 on our code, for KERNELS"
	@echo "  make checkpatch              checkpatch.pl --strict on our code and patches"
	@echo "  make unit                    userspace unit tests of the tracker (ASan/UBSan, TSan)"
	@echo "  make check-debug             guest cases on a KASAN/lockdep/kmemleak kernel (builds it once)"
	@echo "  make check-debug DEBUG_VARIANT=kcsan-rt   the same on a KCSAN + PREEMPT_RT kernel"
	@echo "  make check-debug DEBUG_VARIANT=upstream   the series built in-tree, with its KUnit suite"
	@echo "  make upstream-series [KSRC=...]   the v3 series for linux-bcache in build/upstream-series/"
	@echo "  make check-matrix            build against every 6.1/6.12 headers ABI; writes docs/kernel-matrix.md"
	@echo "  make bench                   stock vs ours in the guest; writes docs/benchmarks.{md,png}"
	@echo
	@echo "Variables: KVER KDIR KSRC BCACHE_DEBUG=y|n KERNELS MATRIX_ONLY (a regex of releases)"

version:
	@echo $(VERSION)

prepare:
	@scripts/prepare-source "$$KVER" "$(BUILD)" "$$KSRC"

modules: prepare
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)/$(BUILD)" BCACHE_DEBUG=$(BCACHE_DEBUG) modules

clean:
	rm -rf "$(BUILD)" "$(BUILD)".stage* "$(BUILD).lock"

distclean:
	rm -rf build


# --- installation -----------------------------------------------------------

dkms-install dkms-uninstall install uninstall sign:
	@scripts/dkms-helper $@ "$$KVER" "$(VERSION)"

deb:
	@scripts/install-deps deb
	@scripts/make-deb

# --- development and tests --------------------------------------------------

deps:
	@scripts/install-deps

sparse:
	@scripts/install-deps sparse
	@scripts/static-checks sparse $(KERNELS)

checkpatch:
	@scripts/install-deps checkpatch
	@scripts/static-checks checkpatch

check-debug:
	@scripts/install-deps debug
	@tests/check-debug

unit:
	@scripts/install-deps --check unit || { echo "make unit: install the packages above (no kernel headers needed)" >&2; exit 1; }
	@$(MAKE) -s -C tests/unit

check-matrix:
	@scripts/install-deps build
	@tests/check-matrix --install $${MATRIX_ONLY:+--only "$$MATRIX_ONLY"}

check: deps
	@tests/check $(KERNELS)

check-system:
	@scripts/install-deps system
	@tests/system/run --every-kernel $(notdir $(wildcard tests/system/cases/*))

demo:
	@scripts/install-deps guest
	@tests/demo/run

bench:
	@scripts/install-deps bench
	@tests/bench/run $(BENCH_KERNELS)

upstream-series:
	@scripts/install-deps build
	@scripts/upstream-series $$KSRC
