# Thin wrapper over build.sh (which also installs what is missing).
.PHONY: demo test sanitize build bench install clean
demo:     ; ./build.sh demo
test:     ; ./build.sh test
sanitize: ; ./build.sh sanitize
build:    ; ./build.sh build
bench: build ; tests/bench/run.sh
install: build ; cmake --install build
clean:    ; rm -rf build build-asan out build.cmake.log build-asan.cmake.log
