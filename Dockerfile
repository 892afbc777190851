# VideoLambda container image: one static-stdlib bootstrap, the functions and their models.
# Build: make models && docker build -t video-lambda .   (sam build does the same from template.yaml)

# Both stages are x86_64, as template.yaml's functions are: on another machine (an arm64 laptop)
# a plain `docker build` would otherwise make an image Lambda cannot start. (sam build passes the
# template's architecture itself.)
# ---- build stage: the official Swift image on Debian bookworm, with the -dev packages we link
FROM --platform=linux/amd64 swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcurl4-openssl-dev libavcodec-dev libavformat-dev libswscale-dev libavutil-dev \
        libopenblas-dev libzstd-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
# Only the sources of the product are built, but SwiftPM checks every target's folder when it loads
# the manifest, test targets (under Tests) included.
COPY Tests Tests
# The Swift standard library and libstdc++ go into the binary; no $ORIGIN runpath and no exported
# symbols: all three only slow the start (the Makefile's deploy build says why and how).
RUN mkdir -p /src/static-libstdc++ \
    && ln -s "$(clang -print-file-name=libstdc++.a)" /src/static-libstdc++/libstdc++.a \
    && swift build -c release --product bootstrap -Xswiftc -static-stdlib \
        --disable-local-rpath -Xlinker --no-export-dynamic -Xlinker -L/src/static-libstdc++ \
    && install -D .build/release/bootstrap /out/bootstrap
# function.json, events and the models `make models` put in functions/<name>/model/. After the
# build, so that a changed model does not rebuild the binary.
COPY functions /src/functions
# The models are fetched, not committed: an image built without them would deploy and then fail
# every cold start, so it fails here instead. Lambda runs the image as a user other than root, who
# must read every file whatever the umask of the checkout (0600 files would fail each init);
# made readable here, since COPY --chmod needs BuildKit, which sam build's builder lacks.
RUN for function in /src/functions/*/; do \
        [ -f "$function"function.json ] || continue; \
        ls "$function"model/*.onnx.zst >/dev/null 2>&1 \
            || { echo "no model in $function: run 'make models' before docker build or sam build" >&2; exit 1; }; \
    done \
    && chmod -R a+rX /src/functions

# ---- runtime stage: only the shared libraries the bootstrap loads (kept in sync with ldd by
# Tests/DeploymentTests/DockerfileTests.swift, which maps each library to its Debian package)
FROM --platform=linux/amd64 debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        libaom3 libavcodec59 libavformat59 libavutil57 libblkid1 libbluray2 libbrotli1 libbsd0 \
        libbz2-1.0 libc6 libcairo-gobject2 libcairo2 libchromaprint1 libcjson1 libcodec2-1.0 \
        libcom-err2 libcurl4 libdatrie1 libdav1d6 libdrm2 libexpat1 libffi8 libfontconfig1 libfreetype6 \
        libfribidi0 libgcc-s1 libgcrypt20 libgdk-pixbuf-2.0-0 libgfortran5 libglib2.0-0 libgme0 \
        libgmp10 libgnutls30 libgomp1 libgpg-error0 libgraphite2-3 libgsm1 libgssapi-krb5-2 \
        libharfbuzz0b libhogweed6 libhwy1 libicu72 libidn2-0 libjpeg62-turbo libjxl0.7 libk5crypto3 \
        libkeyutils1 libkrb5-3 libkrb5support0 liblcms2-2 libldap-2.5-0 liblzma5 libmbedcrypto7 libmd0 \
        libmfx1 libmount1 libmp3lame0 libmpg123-0 libnettle8 libnghttp2-14 libnorm1 libnuma1 libogg0 \
        libopenblas0-pthread libopenjp2-7 libopenmpt0 libopus0 libp11-kit0 libpango-1.0-0 \
        libpangocairo-1.0-0 libpangoft2-1.0-0 libpcre2-8-0 libpgm-5.3-0 libpixman-1-0 libpng16-16 \
        libpsl5 libquadmath0 librabbitmq4 librav1e0 librist4 librsvg2-2 librtmp1 libsasl2-2 libselinux1 \
        libshine3 libsnappy1v5 libsodium23 libsoxr0 libspeex1 libsrt1.5-gnutls libssh-gcrypt-4 \
        libssh2-1 libssl3 libstdc++6 libsvtav1enc1 libswresample4 libswscale6 libtasn1-6 libthai0 \
        libtheora0 libtwolame0 libudfread0 libunistring2 libva-drm2 libva-x11-2 libva2 libvdpau1 \
        libvorbis0a libvorbisenc2 libvorbisfile3 libvpx7 libwebp7 libwebpmux3 libx11-6 libx11-xcb1 \
        libx264-164 libx265-199 libxau6 libxcb-dri3-0 libxcb-render0 libxcb-shm0 libxcb1 libxdmcp6 \
        libxext6 libxfixes3 libxml2 libxrender1 libxvidcore4 libzmq5 libzstd1 libzvbi0 \
        ocl-icd-libopencl1 zlib1g \
    && rm -rf /var/lib/apt/lists/*
ENV LAMBDA_TASK_ROOT=/var/task
WORKDIR /var/task
COPY --from=build /out/bootstrap /var/task/bootstrap
COPY --from=build /src/functions /var/task/functions
ENTRYPOINT ["/var/task/bootstrap"]
CMD ["video-moderation"]
