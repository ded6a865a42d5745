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
LIB_LIBS  := -lsqlite3 -lcsv -lxlsxwriter -lyaml -lminizip -lexpat -lpthread -lm $(LUAJIT_LIBS)
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

all: $(BUILD)/libisms.so $(BUILD)/isms

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
	$(CC) $(ALL_CFLAGS) -Itests/c -o $@ $< -L$(BUILD) -lisms -Wl,-rpath,'$$ORIGIN/..' -lsqlite3 \
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
	  install -D -m 644 lua/$$f $(DESTDIR)$(LUADIR)/$$f; done
	cp -R rules $(DESTDIR)$(SHAREDIR)/
	install -m 644 docs/isms.1 $(DESTDIR)$(PREFIX)/share/man/man1/isms.1

uninstall:
	rm -rf $(DESTDIR)$(LIBDIR)/libisms.so* $(DESTDIR)$(PREFIX)/bin/isms \
	  $(DESTDIR)$(PREFIX)/include/isms.h $(DESTDIR)$(LIBDIR)/pkgconfig/isms.pc \
	  $(DESTDIR)$(LUADIR)/isms $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(PREFIX)/share/man/man1/isms.1

clean:
	rm -rf $(BUILD)
