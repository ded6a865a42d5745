# isms -- build, test, demo, bench, install, clean.
# `make demo` and `make test` install missing Debian packages first
# (scripts/install-deps.sh), so each is one command on a fresh machine.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

CC      ?= cc
LUAJIT_CFLAGS := $(shell pkg-config --cflags luajit 2>/dev/null || echo -I/usr/include/luajit-2.1)
LUAJIT_LIBS   := $(shell pkg-config --libs luajit 2>/dev/null || echo -lluajit-5.1)
WARN    := -Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes \
           -Wstrict-prototypes -Wpointer-arith -Wvla
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -fPIC \
              -fvisibility=hidden -Icore -I$(BUILD) $(LUAJIT_CFLAGS)
LIB_LIBS  := -lsqlite3 -lcsv -lxlsxwriter -lyaml -lcrypto -lminizip -lexpat -lpthread -lm $(LUAJIT_LIBS)
HOST_LIBS := $(LUAJIT_LIBS) -lreadline -ldl -lm

LIB_SRC := $(wildcard core/*.c)
LIB_OBJ := $(LIB_SRC:core/%.c=$(BUILD)/core/%.o) $(BUILD)/gen/cdef.o $(BUILD)/gen/prelude.o
HOST_SRC := $(wildcard core/host/*.c)
HOST_OBJ := $(HOST_SRC:core/host/%.c=$(BUILD)/host/%.o)
CTEST_SRC := $(wildcard tests/c/test_*.c)
CTEST_BIN := $(CTEST_SRC:tests/c/%.c=$(BUILD)/tests/%)

LIBDIR   := $(PREFIX)/lib
SHAREDIR := $(PREFIX)/share/isms
LUADIR   := $(PREFIX)/share/lua/5.1
# The installed executable looks for its Lua package and rules here.
HOST_DEFS := -DISMS_LUA_DIR='"$(LUADIR)"' -DISMS_RULES_DIR='"$(SHAREDIR)/rules"'

.PHONY: all lib host test ctest spec lint demo bench install uninstall clean deps

# The Lua package as bytecode (core/host/bytecode.c): loads in a fraction
# of its parse time. -g keeps line numbers; the chunk names are the paths
# under lua/ (isms/cli/init.lua), so compile from there.
LUA_SRC := $(shell find lua -name '*.lua')
LUA_BC  := $(LUA_SRC:lua/%=$(BUILD)/luabc/%)

all: $(BUILD)/libisms.so $(BUILD)/isms $(LUA_BC)

$(BUILD)/luabc/%.lua: lua/%.lua
	@mkdir -p $(dir $@)
	cd lua && luajit -bg $*.lua $(abspath $@)

deps:
	@sh scripts/install-deps.sh

# ---------------------------------------------------------------- library
$(BUILD)/core/%.o: core/%.c $(wildcard core/*.h) | $(BUILD)/core
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The FFI declarations are cut from the public header and embedded in the
# library, so Lua never keeps a second copy (see docs/architecture.md).
$(BUILD)/gen/cdef.c: core/isms.h core/embed.awk | $(BUILD)/gen
	sed -n '/ISMS-FFI-BEGIN/,/ISMS-FFI-END/p' $< | grep -v 'ISMS-FFI-' \
	  | awk -v name=isms_cdef_text -f core/embed.awk > $@

$(BUILD)/gen/prelude.c: core/sandbox_prelude.lua core/embed.awk | $(BUILD)/gen
	awk -v name=isms_prelude_text -f core/embed.awk $< > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c $< -o $@

# -z defs: every symbol the library uses must be resolved at link time.
$(BUILD)/libisms.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libisms.so.0 -Wl,-z,defs -o $@ $^ $(LIB_LIBS)
	ln -sf libisms.so $(BUILD)/libisms.so.0

# ------------------------------------------------------------- executable
$(BUILD)/host/%.o: core/host/%.c core/host/host.h core/isms.h | $(BUILD)/host
	$(CC) $(ALL_CFLAGS) $(HOST_DEFS) -c $< -o $@

$(BUILD)/isms: $(HOST_OBJ) $(BUILD)/libisms.so
	$(CC) -o $@ $(HOST_OBJ) -L$(BUILD) -Wl,--no-as-needed -lisms -Wl,--as-needed \
	  -Wl,-rpath,'$$ORIGIN' -Wl,-E $(HOST_LIBS)

$(BUILD)/core $(BUILD)/gen $(BUILD)/host $(BUILD)/tests:
	mkdir -p $@

# ------------------------------------------------------------------ tests
$(BUILD)/tests/%: tests/c/%.c tests/c/tap.h $(BUILD)/libisms.so | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Itests/c -o $@ $< -L$(BUILD) -lisms -Wl,-rpath,'$$ORIGIN/..' -lsqlite3 -lm \
	  -lxlsxwriter -lminizip -lz

test: deps all $(CTEST_BIN)
	@sh tests/run.sh $(BUILD)

lint:
	luacheck lua tests/spec tests/bench rules scripts

# ------------------------------------------------------------------- demo
demo: deps all
	@sh scripts/demo.sh $(BUILD)

bench: deps all $(BUILD)/bench/risks_engine.so
	@sh scripts/install-deps.sh bench || echo "isms: the risk bench runs without NumPy then"
	@sh tests/bench/run.sh $(BUILD)

# The risk bench's generator, loaded by tests/bench/risks_engine.lua.
RISKS_ENGINE_SRC := tests/bench/risks_engine.c tests/bench/risks_gen.c
$(BUILD)/bench/risks_engine.so: $(RISKS_ENGINE_SRC) tests/bench/risks_engine.h tests/bench/risks_gen.h core/isms.h $(BUILD)/libisms.so
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $(RISKS_ENGINE_SRC) -L$(BUILD) -lisms -Wl,-rpath,'$$ORIGIN/..' -lpthread

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LUADIR)/isms $(DESTDIR)$(SHAREDIR) \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/libisms.so $(DESTDIR)$(LIBDIR)/libisms.so.0
	ln -sf libisms.so.0 $(DESTDIR)$(LIBDIR)/libisms.so
	$(CC) -o $(BUILD)/isms.installed $(HOST_OBJ) -L$(BUILD) -Wl,--no-as-needed -lisms \
	  -Wl,--as-needed -Wl,-rpath,'$(LIBDIR)' -Wl,-E $(HOST_LIBS)
	install -m 755 $(BUILD)/isms.installed $(DESTDIR)$(PREFIX)/bin/isms
	install -m 644 core/isms.h $(DESTDIR)$(PREFIX)/include/isms.h
	sed -e 's|@PREFIX@|$(PREFIX)|' core/isms.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/isms.pc
	for f in $$(cd lua && find isms -name '*.lua'); do \
	  install -D -m 644 lua/$$f $(DESTDIR)$(LUADIR)/$$f; \
	  install -D -m 644 $(BUILD)/luabc/$$f $(DESTDIR)$(LIBDIR)/isms/luabc/$$f; done
	cp -R rules $(DESTDIR)$(SHAREDIR)/
	install -m 644 docs/isms.1 $(DESTDIR)$(PREFIX)/share/man/man1/isms.1

uninstall:
	rm -rf $(DESTDIR)$(LIBDIR)/libisms.so* $(DESTDIR)$(PREFIX)/bin/isms \
	  $(DESTDIR)$(PREFIX)/include/isms.h $(DESTDIR)$(LIBDIR)/pkgconfig/isms.pc \
	  $(DESTDIR)$(LUADIR)/isms $(DESTDIR)$(LIBDIR)/isms $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(PREFIX)/share/man/man1/isms.1

clean:
	rm -rf $(BUILD)

# ------------------------------------------------------------------- fuzz
# libFuzzer harnesses (tests/fuzz/) over the core built again with clang,
# AddressSanitizer and UBSan. `make fuzz` runs each for FUZZ_SECONDS from
# its seeds (tests/fixtures/) and its regression inputs
# (tests/fixtures/fuzz/NAME/); a crash is copied there to stay a test.
# `make test` runs a slice of a few seconds (tests/spec/fuzz_slice_spec.lua).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
# -Wno-psabi: clang warns of the AVX2 kernel copy's vector returns (risk_eval.c).
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Wno-psabi -O1 -g $(FUZZ_SAN) \
                -Icore -I$(BUILD) $(LUAJIT_CFLAGS)
FUZZ_NAMES   := csv_import csv_reader rules xlsx yaml
FUZZ_BIN     := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_OBJ     := $(LIB_SRC:core/%.c=$(BUILD)/fuzz/core/%.o) $(BUILD)/fuzz/gen/cdef.o \
                $(BUILD)/fuzz/gen/prelude.o

.PHONY: fuzz fuzz-build
.SECONDARY: $(FUZZ_OBJ)
fuzz-build: $(FUZZ_BIN)

fuzz: deps $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

$(BUILD)/fuzz/core/%.o: core/%.c $(wildcard core/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h tests/c/fixtures.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/c -o $@ $< $(FUZZ_OBJ) $(LIB_LIBS)

# make test runs the fuzz slice (tests/spec/fuzz_slice_spec.lua).
test: $(FUZZ_BIN)

# --------------------------------------------------------------- sanitizers
# The core, the executable and the C tests built again with gcc's
# AddressSanitizer and UBSan into build-asan/, and the whole test suite run
# on them (tests/fuzz/check-asan.sh): the specs' luajit gets the sanitizer runtimes
# preloaded, every report goes to build-asan/san/ and fails the run.
ASAN_BUILD ?= $(BUILD)-asan
ASAN_CC    := gcc -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
.PHONY: check-asan test-build
test-build: all $(CTEST_BIN) $(FUZZ_BIN)

check-asan: deps
	$(MAKE) BUILD=$(ASAN_BUILD) CC="$(ASAN_CC)" CFLAGS="-O1 -g" test-build
	@ISMS_TEST_CC="$(ASAN_CC)" sh tests/fuzz/check-asan.sh $(ASAN_BUILD)

# ----------------------------------------------------------------- stress
# Crash safety at scale: kill -9 at random moments of imports,
# re-valuations and risk generations (STRESS_ROUNDS each, registers
# STRESS_SCALE times those of make test); tests/stress/run.sh.
STRESS_ROUNDS ?= 30
STRESS_SCALE  ?= 10
.PHONY: stress
stress: deps all
	@sh tests/stress/run.sh $(BUILD) $(STRESS_ROUNDS) $(STRESS_SCALE)

# ------------------------------------------------------ install: completion
# bash and zsh completion (core/host/completion/), installed with the rest.
# The executable finds its Lua package relative to itself at run time
# (core/host/main.c), so PREFIX can be any folder.
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR  ?= $(PREFIX)/share/zsh/site-functions
.PHONY: install-completion uninstall-completion
install: install-completion
install-completion:
	install -D -m 644 core/host/completion/isms.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/isms
	install -D -m 644 core/host/completion/_isms $(DESTDIR)$(ZSH_COMPLETION_DIR)/_isms

uninstall: uninstall-completion
uninstall-completion:
	rm -f $(DESTDIR)$(BASH_COMPLETION_DIR)/isms $(DESTDIR)$(ZSH_COMPLETION_DIR)/_isms
