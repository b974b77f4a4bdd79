# Sokei images: one per binary, from one multi-stage build.
#   docker build --target plan -t REGISTRY/sokei-plan:VERSION .
#   docker build --target kpi  -t REGISTRY/sokei-kpi:VERSION  .
#   docker build --target survey -t REGISTRY/sokei-survey:VERSION .
#   docker build --target gateway -t REGISTRY/sokei-gateway:VERSION .
# The build stage needs a Debian mirror (apt); the runtime images need no network at all.
# Base images are pinned to a dated Debian 12 snapshot tag; mirror them into the private registry
# (docs/deploy.md) and pass --build-arg DEBIAN=… to use the mirror.
ARG DEBIAN=debian:bookworm-20250520-slim

FROM ${DEBIAN} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config protobuf-compiler protobuf-compiler-grpc \
      libprotobuf-dev libgrpc++-dev libabsl-dev libsqlite3-dev libicu-dev libhiredis-dev libpq-dev \
      libxlsxwriter-dev libminizip-dev libexpat1-dev libglpk-dev libbrotli-dev libssl-dev libboost-dev golang-github-gogo-googleapis-dev grpc-proto \
      libgoogle-common-protos-java nlohmann-json3-dev libcurl4-openssl-dev libcli11-dev \
      libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=OFF \
 && cmake --build /build --target sokei-plan sokei-kpi sokei-survey sokei-gateway sokei \
 && strip /build/services/plan/sokei-plan /build/services/kpi/sokei-kpi \
          /build/services/survey/sokei-survey /build/gateway/sokei-gateway /build/tools/sokei

# Only the shared libraries the binaries link (ldd of the release build), no compilers.
FROM ${DEBIAN} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libre2-9 libc-ares2 libssl3 \
      libsqlite3-0 libpq5 libhiredis0.14 libicu72 libxlsxwriter4 libminizip1 libexpat1 libglpk40 zlib1g libbrotli1 \
      libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 sokei && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin sokei
# The services write nothing outside their database; TMPDIR (xlsx export) is an emptyDir in k8s.
ENV SOKEI_AUTH_MODE=metadata TMPDIR=/tmp
USER 10001:10001

FROM runtime AS plan
COPY --from=build /build/services/plan/sokei-plan /usr/local/bin/sokei-plan
COPY --from=build /build/tools/sokei /usr/local/bin/sokei
ENV SOKEI_PLAN_ADDR=0.0.0.0:50051
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/sokei-plan"]

FROM runtime AS kpi
# The 評価結果報告書 as PDF is printed by Debian's headless Chromium with Japanese fonts (this image
# only; without them, PDF requests are refused with PDF_UNAVAILABLE and HTML still works).
USER root
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
COPY --from=build /build/services/kpi/sokei-kpi /usr/local/bin/sokei-kpi
ENV SOKEI_KPI_ADDR=0.0.0.0:50052
EXPOSE 50052
ENTRYPOINT ["/usr/local/bin/sokei-kpi"]

FROM runtime AS survey
COPY --from=build /build/services/survey/sokei-survey /usr/local/bin/sokei-survey
ENV SOKEI_SURVEY_ADDR=0.0.0.0:50053
EXPOSE 50053
ENTRYPOINT ["/usr/local/bin/sokei-survey"]

FROM runtime AS gateway
COPY --from=build /build/gateway/sokei-gateway /usr/local/bin/sokei-gateway
ENV SOKEI_GATEWAY_HTTP_ADDR=0.0.0.0:8080 SOKEI_GATEWAY_OPS_ADDR=0.0.0.0:8081 \
    SOKEI_GATEWAY_GRPC_ADDR=0.0.0.0:9090
EXPOSE 8080 8081 9090
ENTRYPOINT ["/usr/local/bin/sokei-gateway"]
