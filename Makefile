# troupe: `make run` and `make test` are all a new user needs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps configure build run test test-release test-asan bench install clean

all: build

deps:
	@tools/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/examples/quickstart

test: test-release test-asan

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j 2 --timeout 300

# One configuration under AddressSanitizer and LeakSanitizer: leaks and
# use-after-free fail the run.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DTROUPE_SANITIZE=ON \
	  -DTROUPE_BUILD_EXAMPLES=OFF -DTROUPE_BUILD_BENCH=OFF -DTROUPE_INSTALL_TEST=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j 2 --timeout 600

bench: build
	@tools/install-deps --bench
	$(BUILD)/tools/bench/troupe-bench
	tools/bench/dask_compare.py --troupe $(BUILD)/tools/bench/troupe-bench --tree-leaves 8192

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
