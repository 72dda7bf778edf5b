# nodeprep: plain Makefile. `make` builds ./nodeprep; `make test` runs everything.
# Honours DESTDIR, PREFIX, CC, CFLAGS, CPPFLAGS, LDFLAGS (Debian's hardening
# flags from dpkg-buildflags reach the binary), and WERROR=1 for CI.

PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

CC       ?= gcc
CFLAGS   ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS     := inih libnl-3.0 libnl-route-3.0 libsystemd libcurl mount libmicrohttpd json-c yaml-0.1 libkmod libcrypto
# Libraries loaded with dlopen() on first use (agent/shared/dlopen.h): headers
# only at build time, not linked, so plain commands start fast.
DLOPEN_PKGS := libkmod libcurl libsystemd libmicrohttpd libnl-3.0 libnl-route-3.0 mount yaml-0.1 libcrypto
LINK_PKGS := $(filter-out $(DLOPEN_PKGS),$(PKGS))

# A gcc-12-valid subset of systemd's warning list (the warning block of
# https://github.com/systemd/systemd/blob/main/meson.build; -fstrict-flex-arrays
# and -Wunterminated-string-initialization are newer than gcc 12).
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
        -Werror=format=2 -Werror=implicit-function-declaration -Werror=missing-prototypes \
        -Werror=return-type -Wshadow -Wlogical-op -Wimplicit-fallthrough=5 -Wstrict-prototypes \
        -Wwrite-strings -Wredundant-decls -Wdate-time -Wvla -Wpointer-arith -Wformat-security
HARDEN := -fno-common -fstack-protector-strong -fstack-clash-protection -fPIE
HARDEN_CPP := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2)
HARDEN_LD := -pie -Wl,-z,relro,-z,now

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# dlopen() and threads are in libc since glibc 2.34; Debian 11's 2.31 needs
# libdl and libpthread, and --as-needed keeps them out of newer binaries.
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(LINK_PKGS) 2>/dev/null) -Wl,--push-state,--as-needed -ldl -lpthread -Wl,--pop-state

# curl's compile-time checks of curl_easy_setopt() and curl_easy_getinfo()
# (curl/typecheck-gcc.h) are warnings raised inside a macro of a system
# header, which gcc drops. Through $(B)/curl-include, a link to the same
# headers on an ordinary -I path, they are ordinary headers and the checks
# fire: a wrong-typed setopt fails the build (tests/cli/dlopen-contract.sh).
CURL_HEADERS := $(firstword $(shell printf '\043include <curl/curl.h>\n' | $(CC) $(PKG_CFLAGS) -M -x c - 2>/dev/null | tr ' ' '\n' | sed -n 's|/curl/curl\.h$$||p'))
CURL_INCLUDE = $(if $(CURL_HEADERS),$(B)/curl-include/curl)

ALL_CPPFLAGS = -D_GNU_SOURCE -DNODEPREP_VERSION=\"$(VERSION)\" $(HARDEN_CPP) $(if $(CURL_HEADERS),-I$(B)/curl-include) $(CPPFLAGS)
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(PKG_CFLAGS) $(CFLAGS) $(if $(WERROR),-Werror)
# recv() of agent/health/recv-guard.c is exported, so the dynamic linker binds
# the dlopen()ed libmicrohttpd's recv() calls to it (the control-byte check).
EXPORT_LD := -Wl,--export-dynamic-symbol=recv
ALL_LDFLAGS = $(HARDEN_LD) $(EXPORT_LD) $(LDFLAGS)

B ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
LIB_SRC := $(sort $(shell find agent -name '*.c' ! -path agent/main.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/replay-%)

.PHONY: all deps test check unit cli e2e replay asan analyze fuzz bench demo install clean check-paths stress \
	check-headers check-includes
all: nodeprep

nodeprep: $(B)/nodeprep $(B)/completion/nodeprep.bash $(B)/completion/_nodeprep
	@cp $< $@

# Shell completion, generated from the binary's own command and option tables.
$(B)/completion/nodeprep.bash: $(B)/nodeprep
	@mkdir -p $(dir $@)
	$(Q)$< completion bash >$@
$(B)/completion/_nodeprep: $(B)/nodeprep
	@mkdir -p $(dir $@)
	$(Q)$< completion zsh >$@

$(B)/nodeprep: $(B)/agent/main.o $(B)/libnodeprep.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/libnodeprep.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(B)/curl-include/curl:
	@mkdir -p $(dir $@)
	$(Q)ln -sfn $(CURL_HEADERS)/curl $@

$(B)/%.o: %.c | $(CURL_INCLUDE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/test-%: tests/unit/test-%.c tests/dl-preload.c $(B)/libnodeprep.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Iagent $(ALL_LDFLAGS) -o $@ $< tests/dl-preload.c $(B)/libnodeprep.a \
		$(PKG_LIBS) -lcmocka

# Fuzz targets built with gcc and a replay main: the corpus runs as a test.
$(B)/tests/replay-%: tests/fuzz/%.c tests/fuzz/replay-main.c tests/dl-preload.c $(B)/libnodeprep.a
	@mkdir -p $(dir $@)
	@echo "  REPLAY  $@"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -Iagent $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay-main.c \
		tests/dl-preload.c \
		$(B)/libnodeprep.a $(PKG_LIBS)

-include $(LIB_OBJ:.o=.d) $(B)/agent/main.d

deps:
	@scripts/install-deps.sh

# Every test: unit, CLI, live namespace, fuzz-corpus replay, asan, analyze.
# The runner prints one closing line "N passed, N failed, N skipped".
test: deps
	@$(MAKE) --no-print-directory all unit-bins replay-bins
	@tests/run-all.sh

# The edit-test loop: unit, CLI and fuzz-corpus replay only (no containers,
# no sanitizer rebuild), under a minute on 2 cores; `make test` is everything.
check: all unit-bins replay-bins
	@NODEPREP_TEST_JOBS=$${NODEPREP_TEST_JOBS:-$$(($$(nproc) + 1))} NODEPREP_RACE_ROUNDS=$${NODEPREP_RACE_ROUNDS:-40} \
		tests/run-all.sh unit cli replay

unit-bins: $(UNIT_BIN)
replay-bins: $(REPLAY_BIN)

unit: unit-bins
	@tests/run-all.sh unit
cli: all
	@tests/run-all.sh cli
e2e: all
	@tests/run-all.sh e2e
replay: replay-bins
	@tests/run-all.sh replay

# The overlapping-run races, 1000 rounds of each (make test runs 200): on
# fixture trees (tests/cli/race.sh) and live in a network namespace
# (tests/e2e/race-netns.sh).
stress: all
	@NODEPREP=$(CURDIR)/$(B)/nodeprep NODEPREP_TOP=$(CURDIR) NODEPREP_RACE_ROUNDS=1000 bash tests/cli/race.sh
	@NODEPREP=$(CURDIR)/$(B)/nodeprep NODEPREP_TOP=$(CURDIR) NODEPREP_RACE_ROUNDS=1000 bash tests/e2e/race-netns.sh

# ASan + UBSan build in its own tree; runs the unit and CLI tests.
asan:
	@$(MAKE) --no-print-directory B=build-asan CC=gcc \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/nodeprep build-asan/completion/nodeprep.bash \
		build-asan/completion/_nodeprep unit-bins replay-bins
	@NODEPREP=$(CURDIR)/build-asan/nodeprep BUILD=build-asan \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-all.sh unit cli replay

# gcc -fanalyzer over every source, then cppcheck. gcc 12's analyzer reports
# every _cleanup_ variable as uninitialized and every pointer handed into a
# struct as leaked (false positives of the cleanup attribute); those two
# checkers are off, and LeakSanitizer in `make asan` covers leaks instead.
# cppcheck does not know __attribute__((cleanup)) either, so its leak checks
# are suppressed for the same reason.
# scripts/check-layers.py: every include goes to the same directory or a
# lower tier (agent/README.md, "Layers").
ANALYZER_FLAGS := -fanalyzer -Wno-analyzer-use-of-uninitialized-value -Wno-analyzer-malloc-leak
analyze: check-headers check-includes | $(CURL_INCLUDE)
	@scripts/check-layers.py
	@set -e; for f in $(LIB_SRC) agent/main.c; do \
		$(CC) $(ALL_CPPFLAGS) -std=gnu11 $(WARN) $(PKG_CFLAGS) -O1 $(ANALYZER_FLAGS) -Werror -c -o /dev/null $$f; \
	done
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=unknownMacro --suppress=memleak --suppress=resourceLeak \
		--suppress=leakReturnValNotUsed -Iagent agent
	@echo "analyze: include tiers, gcc -fanalyzer and cppcheck clean"

# Every header compiles on its own: what it uses, it includes (-O1 because
# _FORTIFY_SOURCE warns without optimisation).
HEADERS := $(sort $(shell find agent -name '*.h'))
check-headers: | $(CURL_INCLUDE)
	@set -e; for h in $(HEADERS); do \
		$(CC) $(ALL_CPPFLAGS) -std=gnu11 $(WARN) $(PKG_CFLAGS) -O1 -Werror -fsyntax-only -include $$h -x c /dev/null; \
	done
	@echo "check-headers: $(words $(HEADERS)) headers compile on their own"

# The include order (scripts/check-includes.py says which; --fix rewrites).
check-includes:
	@scripts/check-includes.py

# libFuzzer targets (clang).
fuzz:
	@mkdir -p build-fuzz
	@set -e; $(MAKE) --no-print-directory B=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" WARN="-Wall" HARDEN= HARDEN_LD= \
		build-fuzz/libnodeprep.a; \
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		clang -O1 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -D_GNU_SOURCE -Iagent -o build-fuzz/$$n $$f \
			tests/dl-preload.c build-fuzz/libnodeprep.a $(PKG_LIBS); \
		echo "built build-fuzz/$$n (run: build-fuzz/$$n -max_total_time=600 NEW_DIR tests/fuzz/corpus/$${n#fuzz-};"; \
		echo "  new inputs go to NEW_DIR; merge them with -merge=1 before committing)"; done

bench: all
	@scripts/install-deps.sh --bench
	@set -e; for b in scripts/bench/*.sh; do [ "$${b##*/}" = lib.sh ] || bash $$b; done

demo:
	@scripts/demo.sh

install: $(B)/nodeprep $(B)/completion/nodeprep.bash $(B)/completion/_nodeprep
	install -D -m 0755 $(B)/nodeprep $(DESTDIR)$(SBINDIR)/nodeprep
	install -D -m 0644 $(B)/completion/nodeprep.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/nodeprep
	install -D -m 0644 $(B)/completion/_nodeprep $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_nodeprep
	install -d $(DESTDIR)$(DATADIR)/nodeprep/profiles
	install -m 0644 profiles/*.ini $(DESTDIR)$(DATADIR)/nodeprep/profiles/
	install -D -m 0644 packaging/man/nodeprep.8 $(DESTDIR)$(MANDIR)/man8/nodeprep.8
	install -D -m 0644 packaging/man/nodeprep.profile.5 $(DESTDIR)$(MANDIR)/man5/nodeprep.profile.5
	sed 's|/usr/sbin/nodeprep|$(SBINDIR)/nodeprep|' packaging/systemd/nodeprep.service \
		| install -D -m 0644 /dev/stdin $(DESTDIR)$(SYSTEMDUNITDIR)/nodeprep.service
	install -D -m 0644 packaging/systemd/nodeprep.socket $(DESTDIR)$(SYSTEMDUNITDIR)/nodeprep.socket
	@# An admin's nodeprep.conf is never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/nodeprep/nodeprep.conf || \
		install -D -m 0644 packaging/etc/nodeprep.conf $(DESTDIR)$(SYSCONFDIR)/nodeprep/nodeprep.conf

check-paths:
	@scripts/check-paths.sh

clean:
	rm -rf build build-asan build-fuzz build-analyze nodeprep
