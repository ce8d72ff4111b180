# troupe: `make run` and `make test` are all a new user needs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 30
FUZZERS    := proto data_wire array http
JOBS       ?= $(shell nproc)
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps configure build run test test-release test-asan fuzz bench install clean

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

test: test-release test-asan fuzz

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

# libFuzzer (clang) over message decoding: CAF's deserialization of every
# troupe message, and the data path's frames. Builds only the fuzz targets
# (not the runtime) and runs each for FUZZ_TIME seconds from seeds it writes.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTROUPE_FUZZ=ON \
	  -DTROUPE_BUILD_TESTS=OFF -DTROUPE_BUILD_EXAMPLES=OFF -DTROUPE_BUILD_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) $(foreach f,$(FUZZERS),--target troupe_fuzz_$(f))
	@set -e; for f in $(FUZZERS); do \
	  exe=$(FUZZ_BUILD)/tests/fuzz/troupe_fuzz_$$f; corpus=$(FUZZ_BUILD)/corpus/$$f; \
	  mkdir -p $$corpus; $$exe --write-seeds=$$corpus; \
	  echo "fuzzing $$f for $(FUZZ_TIME) s"; \
	  $$exe -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$$f- $$corpus; \
	done

bench: build
	@tools/install-deps --bench
	$(BUILD)/tools/bench/troupe-bench
	$(BUILD)/tools/bench/troupe-dashboard-bench
	tools/bench/batch_bench.sh slurm $(BUILD)
	tools/bench/batch_bench.sh sge $(BUILD)
	tools/bench/dask_compare.py --troupe $(BUILD)/tools/bench/troupe-bench --tree-leaves 8192

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
