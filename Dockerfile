# xsell on Ubuntu 24.04, whose librdkafka (2.3) is >= 2.2 (SPEC §8).
FROM swift:6.1-noble AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product xsell

FROM swift:6.1-noble-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/.build/release/xsell /usr/local/bin/xsell
COPY config ./config
COPY topics ./topics
ENTRYPOINT ["xsell"]
