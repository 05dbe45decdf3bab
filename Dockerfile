# One image for every xsell service (docker-compose.yml). Ubuntu 24.04's librdkafka is 2.3,
# >= 2.2 as brokers with KIP-482 tagged fields need (docs/guide.md §8). Swift 6.2 or newer:
# the resolved dependencies (swift-metrics, swift-prometheus, Hummingbird) declare
# swift-tools-version 6.2.
FROM swift:6.2-noble AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product xsell && cp "$(swift build -c release --show-bin-path)/xsell" /usr/local/bin/xsell

FROM swift:6.2-noble-slim
# curl: the healthchecks ask GET /readyz.
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /usr/local/bin/xsell /usr/local/bin/xsell
COPY config ./config
COPY topics ./topics
EXPOSE 9464
ENTRYPOINT ["xsell"]
