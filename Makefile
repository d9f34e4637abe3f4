# oomguard: plain make + pkg-config.  `make`, `make check`, `make check SANITIZE=1`,
# `make fuzz`, `make install PREFIX=... DESTDIR=...`, `make install-cap`.
VERSION    := 0.1.0
CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/oomguard
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh's fpath on Debian/Ubuntu: vendor-completions under /usr (packages),
# site-functions under /usr/local (what `make install` defaults to).
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
DESTDIR    ?=

# Sanitizer builds live in their own directory so that a plain build is never
# linked against sanitized objects.
ifeq ($(SANITIZE),1)
BUILD      ?= build-san
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD      ?= build
SANFLAGS   :=
endif

WARN     := -Wall -Wextra -Wshadow -Wconversion -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) $(SANFLAGS) -D_GNU_SOURCE -DOG_VERSION='"$(VERSION)"'
LDFLAGS  += $(SANFLAGS)

# `make` alone builds the binary, whatever targets are declared first.
.DEFAULT_GOAL := all

# Required: libcap.  Optional: libsystemd (scopes, oomd manager, journal), zlib (gzip logs).
# Every pkg-config probe runs when a recipe first needs it, not when the
# Makefile is read: in `make deps check` the first goal installs the packages
# the probes look for.  $(call og_once,VAR,shell command) runs the command on
# first expansion and keeps the result.
og_once = $(eval $1 := $$(shell $2))$($1)
HAVE_SYSTEMD = $(call og_once,HAVE_SYSTEMD,$(PKG_CONFIG) --exists libsystemd 2>/dev/null && echo 1)
HAVE_ZLIB    = $(call og_once,HAVE_ZLIB,$(PKG_CONFIG) --exists zlib 2>/dev/null && echo 1)
PKGS         = libcap $(if $(HAVE_SYSTEMD),libsystemd) $(if $(HAVE_ZLIB),zlib)
PKG_CFLAGS   = $(call og_once,PKG_CFLAGS,$(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS     = $(call og_once,PKG_LIBS,$(PKG_CONFIG) --libs $(PKGS))
CFLAGS   += $(if $(HAVE_SYSTEMD),-DHAVE_SYSTEMD=1) $(if $(HAVE_ZLIB),-DHAVE_ZLIB=1) $(PKG_CFLAGS)
# libsystemd is dlopen()ed on first use (src/sdsym.h): linking it would load
# five more libraries at every start.  Its headers are still needed.
LIBS      = $(filter-out -lsystemd,$(PKG_LIBS)) $(if $(HAVE_SYSTEMD),-ldl)

# Optional: the Slurm SPANK plugin, built when <slurm/spank.h> is found
# (Debian: libslurm-dev).  It needs the header only, never -lslurm: slurmstepd
# and srun provide the spank_* symbols it calls.  Its objects are built
# position-independent and never sanitized (slurmstepd does not load ASan).
HAVE_SPANK := $(shell printf '\043include <slurm/spank.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
SLURM_PLUGINDIR ?= $(or $(firstword $(wildcard /usr/lib/*-linux-gnu*/slurm-wlm /usr/lib64/slurm /usr/lib/slurm)),$(PREFIX)/lib/slurm)
ifeq ($(HAVE_SPANK),1)
CFLAGS   += -DHAVE_SPANK=1 -DOG_SLURM_PLUGINDIR='"$(SLURM_PLUGINDIR)"'
SPANK_SO := $(BUILD)/oomguard-spank.so
endif
PIC_OBJ   = $(LIB_SRC:src/%.c=$(BUILD)/pic/%.o)

CMOCKA_CFLAGS = $(call og_once,CMOCKA_CFLAGS,$(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(call og_once,CMOCKA_LIBS,$(PKG_CONFIG) --libs cmocka 2>/dev/null)

LIB_SRC   := $(filter-out src/main.c src/spank_plugin.c,$(wildcard src/*.c))
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/%.o)

# The pure cores: parsers of outside text and the cores that compute on bytes
# and structs, with no I/O of their own (render.c formats into a buffer or a
# FILE * the caller passes).  The fuzz targets and unit tests of these cores
# link against these files alone, so purity is checked by the build: a pure
# core that calls a reader (cgroup.c, proc.c, systemd.c, ...) fails to link.
# util.c also holds the file primitives and og_err: PURE_HIDE makes them local
# to util's object in the pure link (objcopy), so calling one fails to link
# too, and a pure object that calls a file or process syscall itself
# (PURE_DENY) fails to build.  Parsers that share a file with readers are not
# here: meminfo.c, proc.c, killers.c, memcap.c and cgroup.c's og_parse_limit
# (each file parses and reads), screen.c (the terminal's size and key mode).
PURE_SRC  := $(addprefix src/,badness.c cgroup_parse.c episode.c episode_kernel.c episode_lines.c episode_user.c \
               logjson.c logprefix.c metrics.c oomd_rule.c oomd_rank.c oomlog.c oomlog_job.c \
               oomlog_slurm.c render.c sdvalue.c signame.c spankspec.c util.c warn_spec.c warn_core.c)
NM        ?= nm
OBJCOPY   ?= objcopy
PURE_HIDE := og_read_once og_read_at og_write_at og_err
PURE_DENY := open openat open64 openat64 __open_2 __open64_2 __openat_2 __openat64_2 fopen fopen64 \
             freopen opendir fdopendir read __read_chk pread pread64 __pread_chk __pread64_chk readv \
             readlink readlinkat __readlink_chk __readlinkat_chk stat stat64 lstat fstatat fstatat64 \
             statx __xstat __fxstatat access faccessat ioctl socket connect dlopen getxattr lgetxattr \
             fgetxattr kill fork vfork execve execvp popen system mkdir unlink rename
# The tests whose subjects are pure cores (the others link liboomguard.a).
PURE_UNIT := test_metrics test_oomd test_oomdrank test_oomlog test_oomlog_job test_sdvalue \
             test_whyparse
PURE_FUZZ := fuzz_logjson fuzz_metrics_state fuzz_oomctl fuzz_oomdrank fuzz_oomlog fuzz_oomlog_job \
             fuzz_sdvalue fuzz_spankspec fuzz_warnspec
PURE_OBJ   = $(PURE_SRC:src/%.c=$(BUILD)/pure/%.o)
# $(call og_pure,IN,OUT): OUT is IN with PURE_HIDE made local; fails when IN
# (util's object aside, whose primitives PURE_HIDE hides) calls PURE_DENY.
og_pure = @mkdir -p $(dir $2); \
	if [ "$(notdir $1)" != util.o ]; then \
	  bad=$$($(NM) -u $1 | awk '{ sub(/@.*/, "", $$2); print $$2 }' | grep -Fx $(PURE_DENY:%=-e %)); \
	  if [ -n "$$bad" ]; then echo "$1: a pure core (PURE_SRC) calls I/O:" $$bad >&2; exit 1; fi; \
	fi; \
	$(OBJCOPY) $(PURE_HIDE:%=--localize-symbol=%) $1 $2
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC:= $(wildcard tests/helpers/*.c)
HELPER_BIN:= $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

# The bundled example: a stand-in training job with two forked workers, run
# protected at the default -1000 (asks sudo for that one step when needed).
# --best-effort, said out loud: where -1000 cannot be set (no
# CAP_SYS_RESOURCE, sudo refused) the demo still runs and shows EXPOSED,
# where a plain `oomguard run` would refuse to start the job.
demo: oomguard
	rm -f examples/demo.log
	@echo 'make demo: runs with --best-effort: if -1000 cannot be set here the example still runs, EXPOSED;'
	@echo '           without --best-effort, oomguard run refuses to start a job it cannot protect.'
	./oomguard run --best-effort --log examples/demo.log -- python3 examples/demo.py
	@echo '--- examples/demo.log (the job'"'"'s output)'; cat examples/demo.log

# Every Debian package the build, tests, fuzzing and benches need (root).
deps:
	.ci/deps

.PHONY: demo deps all build-tests check check-unit check-cli fuzz fuzz-run bench install install-cap uninstall clean check-vm

all: oomguard $(SPANK_SO)

oomguard: $(BUILD)/oomguard
	@if [ "$(BUILD)" = build ]; then cp -f $< $@; fi

$(BUILD)/oomguard: $(BUILD)/main.o $(BUILD)/liboomguard.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/liboomguard.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) $(BUILD)/features | $(BUILD)
	$(CC) $(CFLAGS) -c -o $@ $<

# The optional features found (--version prints them): objects are rebuilt
# when they change, e.g. when libslurm-dev is installed after a first build
# (./setup.sh, then ./setup.sh check).  Rewritten only when they differ, so
# an unchanged set rebuilds nothing.
$(BUILD)/features: FORCE | $(BUILD)
	@f='spank=$(HAVE_SPANK) systemd=$(HAVE_SYSTEMD) zlib=$(HAVE_ZLIB) plugindir=$(SLURM_PLUGINDIR)'; \
	 [ "$$(cat $@ 2>/dev/null)" = "$$f" ] || echo "$$f" >$@
FORCE:
.PHONY: FORCE

$(BUILD)/pic/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SANFLAGS),$(CFLAGS)) -fPIC -c -o $@ $<

# Exports only what Slurm looks up (src/spank.map), so no oomguard symbol can
# clash with slurmstepd's.  LDFLAGS (a package build's -z relro -z now), never
# the sanitizers'.
$(BUILD)/oomguard-spank.so: $(BUILD)/pic/spank_plugin.o $(PIC_OBJ) src/spank.map
	$(CC) -shared -Wl,--version-script=src/spank.map -Wl,-Bsymbolic $(filter-out $(SANFLAGS),$(LDFLAGS)) -o $@ $(filter %.o,$^) $(LIBS)

$(BUILD)/pure/%.o: $(BUILD)/%.o
	$(call og_pure,$<,$@)
.PRECIOUS: $(BUILD)/pure/%.o build-fuzz/pure/%.o build-fuzz/obj/%.o

# A unit test of a pure core links PURE_OBJ alone, any other liboomguard.a.
og_test_lib = $(if $(filter $(PURE_UNIT),$(notdir $1)),$(PURE_OBJ),$(BUILD)/liboomguard.a)
.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(call og_test_lib,$$@) $(wildcard src/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -Isrc -DFIXTURES='"$(CURDIR)/tests/fixtures"' -o $@ $< $(call og_test_lib,$@) $(LDFLAGS) $(LIBS) $(CMOCKA_LIBS)

# Test helpers (memory hogs, spawners) are instruments, not the product: never
# sanitized, so their memory use and their death by OOM kill stay what the
# tests model even in the ASan build; -fno-builtin because clang otherwise
# deletes a malloc+memset whose result is never read, and the hog holds nothing.
$(BUILD)/helpers/%: tests/helpers/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SANFLAGS),$(CFLAGS)) -fno-builtin -o $@ $< $(filter-out $(SANFLAGS),$(LDFLAGS))

$(BUILD):
	mkdir -p $(BUILD)

# The whole suite: unit (cmocka), CLI (bats), real-kernel host tests (bats).
# Ends with "N passed, N failed, N skipped".  build-tests builds what it runs
# (./setup.sh check builds as the user, then runs the suite as root).
build-tests: oomguard $(SPANK_SO) $(UNIT_BIN) $(HELPER_BIN) $(PURE_OBJ)
check: build-tests
	@OG_BIN=$(CURDIR)/$(BUILD)/oomguard OG_BUILD=$(CURDIR)/$(BUILD) tests/run-all.sh

# libFuzzer targets: clang only.  FUZZ_SECONDS bounds each target's run.
# Sources are compiled once (instrumented, -fsanitize=fuzzer-no-link); a
# target of a pure core links PURE_SRC's objects alone, any other the archive.
FUZZ_CFLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -Isrc -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined $(PKG_CFLAGS) \
               $(if $(HAVE_ZLIB),-DHAVE_ZLIB=1) $(if $(HAVE_SYSTEMD),-DHAVE_SYSTEMD=1)
FUZZ_SECONDS ?= 20
FUZZ_OBJ  = $(LIB_SRC:src/%.c=build-fuzz/obj/%.o)
FUZZ_PURE = $(PURE_SRC:src/%.c=build-fuzz/pure/%.o)
fuzz: $(FUZZ_BIN)
build-fuzz/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build-fuzz/pure/%.o: build-fuzz/obj/%.o
	$(call og_pure,$<,$@)
build-fuzz/liboomguard.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^
og_fuzz_lib = $(if $(filter $(PURE_FUZZ),$(notdir $1)),$(FUZZ_PURE),build-fuzz/liboomguard.a)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(call og_fuzz_lib,$$@) $(wildcard src/*.h)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(call og_fuzz_lib,$@) $(LIBS)
fuzz-run: fuzz
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

bench: oomguard
	bench/run.sh

check-vm: oomguard $(SPANK_SO) $(HELPER_BIN)
	tests/vm/run.sh

# Installs files only: never a capability (see install-cap), never a kernel tunable.
install: oomguard
	install -D -m 0755 oomguard $(DESTDIR)$(BINDIR)/oomguard
	install -D -m 0644 docs/oomguard.1 $(DESTDIR)$(MANDIR)/man1/oomguard.1
	install -D -m 0644 completions/oomguard.bash $(DESTDIR)$(BASHCOMPDIR)/oomguard
	install -D -m 0644 completions/_oomguard $(DESTDIR)$(ZSHCOMPDIR)/_oomguard
	$(if $(wildcard $(SPANK_SO)),install -D -m 0755 $(SPANK_SO) $(DESTDIR)$(SLURM_PLUGINDIR)/oomguard-spank.so)
	install -d $(DESTDIR)$(DOCDIR)
	$(if $(INSTALL_DOCS),install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/)
	$(if $(INSTALL_EXAMPLES),install -d $(DESTDIR)$(DOCDIR)/examples)
	$(if $(INSTALL_EXAMPLES),install -m 0644 $(INSTALL_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/)

INSTALL_DOCS     = $(wildcard README.md docs/*.md)
INSTALL_EXAMPLES = $(filter-out %~,$(wildcard examples/*))

# Opt-in, run by the administrator after install: puts cap_sys_resource in the
# binary's permitted set (not effective, not inheritable), so that any local
# user can lower oom_score_adj (down to -1000) of processes of their own uid.
# oomguard raises the capability only around that write and clears every
# capability set before it executes a job, so jobs never hold it.
install-cap:
	setcap cap_sys_resource+p $(DESTDIR)$(BINDIR)/oomguard
	@echo "oomguard: $(DESTDIR)$(BINDIR)/oomguard now holds cap_sys_resource in its permitted set."
	@echo "          Any local user can now set oom_score_adj (down to -1000) on processes of their own uid,"
	@echo "          so the kernel OOM killer spares them; jobs it starts never keep the capability."
	@echo "          Undo: setcap -r $(DESTDIR)$(BINDIR)/oomguard"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/oomguard $(DESTDIR)$(MANDIR)/man1/oomguard.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/oomguard $(DESTDIR)$(ZSHCOMPDIR)/_oomguard
	rm -f $(DESTDIR)$(SLURM_PLUGINDIR)/oomguard-spank.so
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-san build-fuzz oomguard
