# The API image: docker compose up (see docker-compose.yml). The signing key lives in the /data volume.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/NpcEcrf.Api/NpcEcrf.Api.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
VOLUME /data
EXPOSE 5080
ENTRYPOINT ["./npc-ecrf"]
