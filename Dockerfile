# The API image: docker compose up (see docker-compose.yml and docs/operations.md). The keys live in the /data volume.

# Only the project files, out of the whole source tree: a layer whose content changes only when a project file does.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS projects
WORKDIR /src
COPY src/ src/
RUN find src -type f ! -name '*.csproj' -delete

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore in its own layer, from what it reads and nothing else (the central versions, the build settings, the feeds
# and the local package shim they pack): a change to the code reuses the restored packages.
COPY NuGet.config Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY --from=projects /src/src/ src/
RUN dotnet restore src/NpcEcrf.Api/NpcEcrf.Api.csproj
COPY src/ src/
# The typed client (src/NpcEcrf.Client, which the API's demo uses) is generated from the committed contract at build time.
COPY docs/openapi.json docs/openapi.json
RUN dotnet publish src/NpcEcrf.Api/NpcEcrf.Api.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The data directory (keys, and the private cluster when NPCECRF_DB is not set) belongs to the image's non-root user
# `app`; a new named volume takes this ownership. Every verb run with `docker compose exec api ./npc-ecrf ...` finds
# the server's keys through NPCECRF_DATA_DIR.
RUN mkdir -p /data && chown app:app /data
ENV NPCECRF_DATA_DIR=/data \
    ASPNETCORE_URLS=http://0.0.0.0:5080
USER app
VOLUME /data
EXPOSE 5080
# /health answers 200 when the database does. The image has no curl: bash's /dev/tcp asks, and the status line is read.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5080 && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["./npc-ecrf"]
CMD ["serve"]
